import { VardeError, type FieldNames } from '@varde/core';

/**
 * A service's one mapping from the field names its domain speaks to FHIR element paths, as {@link FieldNames}. A key
 * may hold list positions as `[]`, filled in order from the field named: with `'components[].value':
 * 'Observation.component[].valueQuantity.value'`, `components[1].value` is `Observation.component[1].valueQuantity.value`.
 */
export function fhirPaths(paths: Readonly<Record<string, string>>): FieldNames {
  const byField = new Map(Object.entries(paths));
  return (field) => {
    const path = byField.get(field.replace(/\[\d+\]/g, '[]'));
    if (path === undefined) return field;
    const positions = [...field.matchAll(/\[\d+\]/g)].map((m) => m[0]);
    let k = 0;
    return path.replace(/\[\]/g, () => positions[k++] ?? '[]');
  };
}

/** `error` with the domain's field names replaced by their FHIR paths (see {@link fhirPaths}); anything else as it is. */
export const inFhirTerms = (error: unknown, names: FieldNames): unknown => (error instanceof VardeError ? error.withFieldNames(names) : error);

/** Throws `error` in FHIR terms (see {@link inFhirTerms}), as a promise's rejection handler: `handle(…).catch(rethrowInFhirTerms(paths))`. */
export const rethrowInFhirTerms =
  (names: FieldNames) =>
  (error: unknown): never => {
    throw inFhirTerms(error, names);
  };
