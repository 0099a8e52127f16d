import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';

/** One HTTP route a service serves under the FHIR base, e.g. `{ method: 'GET', path: 'Observation/:id' }`. */
export type FhirRoute = Readonly<{ method: string; path: string }>;

/** A search parameter a resource type supports, as the CapabilityStatement lists it. */
export type FhirSearchParam = Readonly<{ name: string; type: CapabilityStatementRestResourceSearchParam['type']; documentation?: string }>;

/** What a service declares beside its routes. */
export type CapabilityOptions = Readonly<{
  /** The absolute FHIR base, e.g. `https://varde.example/fhir`. */
  baseUrl: string;
  software: Readonly<{ name: string; version: string }>;
  /** The routes as registered (see `fhirRoutesOf`): interactions are derived from them, never listed by hand. */
  routes: readonly FhirRoute[];
  /** Search parameters per resource type: the same lists the search endpoints check parameters against. */
  searchParams?: Readonly<Record<string, readonly FhirSearchParam[]>>;
  /** Resource types whose create honours `If-None-Exist`. */
  conditionalCreate?: readonly string[];
  /** Resource types whose update honours `If-Match` (versioning `versioned-update`). */
  versionedUpdate?: readonly string[];
  /** Resource types whose update of an id not yet known creates the resource (`updateCreate`). */
  updateCreate?: readonly string[];
  /** Profiles known to work per resource type (documentation, not enforced beyond R4). */
  supportedProfiles?: Readonly<Record<string, readonly string[]>>;
  /** The OAuth2 token endpoint of the issuer clients authenticate with. */
  tokenUrl?: string;
  /** When the statement was generated (the server's start). */
  date: string;
}>;

type Interaction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];

/** The R4 interaction a route serves on a resource type, or an operation's name. */
function interactionOf(method: string, rest: readonly string[]): { interaction?: Interaction; operation?: string; conditional?: boolean } {
  const [first, second, third] = rest;
  // A PUT on the type is R4's conditional update (`PUT [type]?<search>`).
  if (rest.length === 0) return method === 'POST' ? { interaction: 'create' } : method === 'GET' ? { interaction: 'search-type' } : method === 'PUT' ? { interaction: 'update', conditional: true } : {};
  if (first?.startsWith('$')) return { operation: first.slice(1) };
  if (rest.length === 1) return method === 'GET' ? { interaction: 'read' } : method === 'PUT' ? { interaction: 'update' } : method === 'PATCH' ? { interaction: 'patch' } : method === 'DELETE' ? { interaction: 'delete' } : {};
  if (second === '_history') return third === undefined ? { interaction: 'history-instance' } : { interaction: 'vread' };
  if (second?.startsWith('$')) return { operation: second.slice(1) };
  return {};
}

/**
 * An R4 CapabilityStatement (`GET [base]/metadata`) generated from the routes a service really serves: resource
 * types, interactions and operations come from the routes, search parameters from the lists the search
 * endpoints check, so the statement cannot drift from the code. Formats: JSON only (XML answers 406).
 */
export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const resources = new Map<string, { interactions: Set<Interaction>; operations: Set<string>; conditionalUpdate: boolean }>();
  const system = new Set<'batch' | 'transaction'>();
  for (const route of options.routes) {
    const segments = route.path.split('/').filter((s) => s !== '');
    const method = route.method.toUpperCase();
    if (segments.length === 0) {
      if (method === 'POST') ['batch', 'transaction'].forEach((i) => system.add(i as 'batch' | 'transaction'));
      continue;
    }
    const [type, ...rest] = segments;
    if (!/^[A-Z][A-Za-z]+$/.test(type!)) continue;
    const found = interactionOf(method, rest);
    if (!found.interaction && !found.operation) continue;
    const entry = resources.get(type!) ?? { interactions: new Set(), operations: new Set(), conditionalUpdate: false };
    if (found.interaction) entry.interactions.add(found.interaction);
    if (found.conditional) entry.conditionalUpdate = true;
    if (found.operation) entry.operations.add(found.operation);
    resources.set(type!, entry);
  }
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: options.software,
    implementation: { description: `${options.software.name} FHIR R4 endpoint`, url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        ...(options.tokenUrl
          ? {
              security: {
                cors: false,
                service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }], text: 'OAuth2 bearer tokens (HelseID-compatible)' }],
                extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: options.tokenUrl }] }],
              },
            }
          : {}),
        resource: [...resources.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([type, { interactions, operations, conditionalUpdate }]): CapabilityStatementRestResource => ({
            type: type as CapabilityStatementRestResource['type'],
            ...(options.supportedProfiles?.[type] ? { supportedProfile: [...options.supportedProfiles[type]!] } : {}),
            interaction: [...interactions].sort().map((code) => ({ code })),
            versioning: options.versionedUpdate?.includes(type) && interactions.has('update') ? 'versioned-update' : interactions.has('vread') ? 'versioned' : 'no-version',
            readHistory: interactions.has('vread'),
            updateCreate: (options.updateCreate?.includes(type) ?? false) && interactions.has('update'),
            conditionalCreate: options.conditionalCreate?.includes(type) ?? false,
            conditionalUpdate: conditionalUpdate,
            ...(options.searchParams?.[type] ? { searchParam: options.searchParams[type]!.map((p) => ({ ...p })) } : {}),
            ...(operations.size > 0 ? { operation: [...operations].sort().map((name) => ({ name, definition: `http://hl7.org/fhir/OperationDefinition/${type}-${name}` })) } : {}),
          })),
        ...(system.size > 0 ? { interaction: [...system].map((code) => ({ code })) } : {}),
      },
    ],
  };
}
