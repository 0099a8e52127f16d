import { saidOf, VardeError, type FieldNames, type Subject } from '@varde/core';

/** `error` with the domain's field names replaced by their FHIR paths (see {@link fhirPaths}); anything else as it is. */
export const inFhirTerms = (error: unknown, names: FieldNames): unknown => (error instanceof VardeError ? error.withFieldNames(names) : error);

/**
 * A service's one mapping from the field names its domain speaks to FHIR element paths, as {@link FieldNames}. A key
 * may hold list positions as `[]`, filled in order from the field named: with `'components[].value':
 * 'Observation.component[].valueQuantity.value'`, `components[1].value` is `Observation.component[1].valueQuantity.value`.
 * `resources` names the resource type each recorded thing of the domain is, so a refusal about `measurement m-1`
 * reads `Observation/m-1`.
 */
export function fhirPaths(paths: Readonly<Record<string, string>>, resources: Readonly<Record<string, string>> = {}): FhirPaths {
  const byField = new Map(Object.entries(paths));
  const byThing = new Map(Object.entries(resources));
  const field = (name: string): string => {
    const path = byField.get(name.replace(/\[\d+\]/g, '[]'));
    if (path === undefined) return name;
    const positions = [...name.matchAll(/\[\d+\]/g)].map((m) => m[0]);
    let k = 0;
    return path.replace(/\[\]/g, () => positions[k++] ?? '[]');
  };
  const subject = (s: Subject): string => {
    const type = byThing.get(s.thing);
    return type === undefined ? saidOf(s) : `${type}/${s.id}`;
  };
  const names: FieldNames = Object.assign(field, { subject });
  const refusal = (error: unknown): unknown => inFhirTerms(error, names);
  return Object.assign(names, {
    refusal,
    rethrow: (error: unknown): never => {
      throw refusal(error);
    },
  });
}

/**
 * A service's table of FHIR names (see {@link fhirPaths}) with the two ways its edge applies it to a domain refusal, so
 * a service's paths file holds its table and nothing else.
 */
export type FhirPaths = FieldNames & {
  /** A domain refusal as a FHIR client reads it: `throw paths.refusal(error)`; anything but a VardeError as it is. */
  readonly refusal: (error: unknown) => unknown;
  /** Throws a domain refusal as a FHIR client reads it, as a promise's rejection handler: `handle(…).catch(paths.rethrow)`. */
  readonly rethrow: (error: unknown) => never;
};

