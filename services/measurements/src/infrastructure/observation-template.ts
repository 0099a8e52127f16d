import { validationRegexes } from '@medplum/core';
import { primitiveStringProblem } from '@varde/fhir';

// The elements whose content changes from one reading of a device to the next, and what stands in for each in a
// template. Each is checked with FHIR R4's rule for its type — the check `@medplum/core` makes of a primitive:
// a string has non-whitespace content and matches the type's regular expression, a decimal is a finite JSON
// number — and no R4 invariant on Observation, Identifier, Quantity, Reference or Element reads more of these
// values than that they are there (and Varde's own limits on strings, see primitiveStringProblem, are checked here too), so an Observation is well-formed exactly when its template is. References
// stand in only as `Patient/<id>` or `Device/<id>`: a local `#` reference is checked against `contained` (ref-1).
const STANDS_IN = { dateTime: '2000-01-01T00:00:00Z', decimal: 0, string: 'x', patient: 'Patient/x', device: 'Device/x' } as const;

const isString = (value: unknown, type: 'string' | 'dateTime'): value is string =>
  typeof value === 'string' && value.trim() !== '' && validationRegexes[type]!.test(value) && primitiveStringProblem(value, type, type === 'string' ? 'Identifier.value' : undefined) === undefined;
const isDecimal = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const LITERAL = (type: string): RegExp => new RegExp(`^${type}/[A-Za-z0-9\\-.]{1,64}$`);
const PATIENT = LITERAL('Patient');
const DEVICE = LITERAL('Device');

/** Thrown inside a template's construction when a value fails its type's rule: the resource goes to medplum whole. */
class NoTemplate extends Error {}

/** `node` with `key` replaced by `standIn` when `valid(node[key])`; absent keys stay absent. */
function standIn(node: Record<string, unknown>, key: string, valid: (value: unknown) => boolean, replacement: unknown): Record<string, unknown> {
  if (!(key in node)) return node;
  if (!valid(node[key])) throw new NoTemplate();
  return { ...node, [key]: replacement };
}

/** Each object of `list` (when it is an array) mapped by `f`; anything else as it is. */
const each = (list: unknown, f: (item: Record<string, unknown>) => Record<string, unknown>): unknown => (Array.isArray(list) ? list.map((item) => (isObject(item) ? f(item) : item)) : list);

const quantityValue = (holder: Record<string, unknown>): Record<string, unknown> =>
  isObject(holder['valueQuantity']) ? { ...holder, valueQuantity: standIn(holder['valueQuantity'], 'value', isDecimal, STANDS_IN.decimal) } : holder;

/**
 * An Observation's template: the same resource with the values that differ between a device's readings — the
 * measured values, the effective time, the identifiers' values, the patient and device references — replaced by
 * fixed values of the same type. Undefined for anything else (not an Observation, a stream chunk, or one of
 * those values failing its FHIR type): validate the resource itself.
 */
export function observationTemplate(resource: Record<string, unknown>): Record<string, unknown> | undefined {
  if (resource['resourceType'] !== 'Observation' || 'valueSampledData' in resource) return undefined;
  try {
    let t = standIn(resource, 'effectiveDateTime', (v) => isString(v, 'dateTime'), STANDS_IN.dateTime);
    t = quantityValue(t);
    if ('identifier' in t) t = { ...t, identifier: each(t['identifier'], (i) => standIn(i, 'value', (v) => isString(v, 'string'), STANDS_IN.string)) };
    if ('component' in t) t = { ...t, component: each(t['component'], quantityValue) };
    if (isObject(t['subject'])) t = { ...t, subject: standIn(t['subject'], 'reference', (v) => typeof v === 'string' && PATIENT.test(v), STANDS_IN.patient) };
    if (isObject(t['device'])) t = { ...t, device: standIn(t['device'], 'reference', (v) => typeof v === 'string' && DEVICE.test(v), STANDS_IN.device) };
    return t;
  } catch (error) {
    if (error instanceof NoTemplate) return undefined;
    throw error;
  }
}
