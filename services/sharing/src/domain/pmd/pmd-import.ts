import { ORGANISATION_NUMBER_SYSTEM } from './pmd-observation';

/** An Observation as PMD returned it: its PMD id and the resource. */
export type PmdFound = Readonly<{ id: string; resource: Readonly<Record<string, unknown>> }>;

/** What to do with one Observation from PMD. */
export type ImportDecision =
  | Readonly<{ kind: 'record'; observation: Readonly<Record<string, unknown>> }>
  | Readonly<{ kind: 'ours' }>
  | Readonly<{ kind: 'kept-out'; reason: string }>;

/** The Observations of a PMD searchset Bundle; throws when the answer is not one. */
export function pmdSearchResults(body: unknown): PmdFound[] {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
  if (!bundle || bundle.resourceType !== 'Bundle' || bundle.type !== 'searchset') throw new Error('PMD answered the search with something other than a searchset Bundle');
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as { resource?: Record<string, unknown> }[]) : [];
  return entries
    .map((e) => e.resource)
    .filter((r): r is Record<string, unknown> => !!r && r['resourceType'] === 'Observation' && typeof r['id'] === 'string')
    .map((resource) => ({ id: resource['id'] as string, resource }));
}

const performers = (resource: Readonly<Record<string, unknown>>): string[] =>
  (Array.isArray(resource['performer']) ? (resource['performer'] as { identifier?: { system?: unknown; value?: unknown } }[]) : [])
    .filter((p) => p?.identifier?.system === ORGANISATION_NUMBER_SYSTEM && typeof p.identifier.value === 'string')
    .map((p) => p.identifier!.value as string);

/**
 * How a PMD Observation enters Varde: what this hospital sent is ours (never recorded back); one without a performing
 * organisation is kept out (its provenance would be unknown); the rest is recorded for the patient as sent, with the
 * PMD id as its first identifier (so measurements records it once) and without PMD's id, meta and subject.
 */
export function importedObservation(found: PmdFound, patientId: string, hospitalOrganisationNumber: string, pmdIdentifierSystem: string): ImportDecision {
  const organisations = performers(found.resource);
  if (organisations.includes(hospitalOrganisationNumber)) return { kind: 'ours' };
  if (organisations.length === 0) return { kind: 'kept-out', reason: 'no performing organisation (Observation.performer with an organisation number)' };
  const { id: _id, meta: _meta, subject: _subject, identifier, ...rest } = found.resource as Record<string, unknown> & { identifier?: unknown[] };
  return {
    kind: 'record',
    observation: { ...rest, identifier: [{ system: pmdIdentifierSystem, value: found.id }, ...(Array.isArray(identifier) ? identifier : [])], subject: { reference: `Patient/${patientId}` } },
  };
}
