import { ValidationError } from '@varde/core';

/** Refuses a FHIR search naming a parameter this endpoint does not support, naming it and listing those it does. */
export function assertSearchParameters(query: Readonly<Record<string, unknown>>, supported: readonly string[]): void {
  const unknown = Object.keys(query).find((k) => !supported.includes(k));
  if (unknown !== undefined) throw ValidationError.field(unknown, `unsupported search parameter; supported: ${supported.join(', ')}`);
}

/** A searchset Bundle of the resources found, each entry's `fullUrl` its `<resourceType>/<id>`. */
export function searchset(resourceType: string, resources: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({ fullUrl: `${resourceType}/${String(resource['id'])}`, resource, search: { mode: 'match' } })),
  };
}
