import type { FieldIssue } from '@varde/core';
import type { UnitConverter } from './unit-converter';

/** A quantity in its canonical unit, keeping the value and unit as received. */
export type CanonicalQuantity = Readonly<{ value: number; unit: string; originalValue: number; originalUnit: string }>;

// Examples of what a sender may use instead of each canonical unit, for messages a person can act on.
const ALTERNATIVES: Record<string, string> = { kg: '"kg", "g" or "[lb_av]"', Cel: '"Cel", "[degF]" or "K"', 'mm[Hg]': '"mm[Hg]" or "kPa"', '%': '"%" or "1" (a 0–1 fraction)', '/min': '"/min" or "{beats}/min"' };

/**
 * Normalises a received quantity to `canonicalUnit`. An unknown or incompatible unit is an issue on `field`
 * saying which unit was expected.
 */
export function canonicalQuantity(units: UnitConverter, value: number, unit: string, canonicalUnit: string, field: string): CanonicalQuantity | FieldIssue {
  const converted = unit === canonicalUnit ? value : units.convert(value, unit, canonicalUnit);
  if (converted === undefined) return { field, message: `"${unit}" is not a UCUM unit convertible to "${canonicalUnit}"; expected ${ALTERNATIVES[canonicalUnit] ?? `"${canonicalUnit}"`}` };
  return { value: converted, unit: canonicalUnit, originalValue: value, originalUnit: unit };
}

/** True when {@link canonicalQuantity} refused the unit. */
export const isUnitIssue = (result: CanonicalQuantity | FieldIssue): result is FieldIssue => 'field' in result;

/**
 * Normalises a chunk's samples: each value is `origin + factor × sample` in `unit` (FHIR SampledData), then
 * converted to `canonicalUnit`. UCUM conversions are affine, so two conversions (of 0 and 1) give the map for
 * every sample, rounded to 12 significant digits as single values are. Gaps stay gaps.
 */
export function canonicalSamples<S>(
  units: UnitConverter,
  samples: readonly (number | S)[],
  transform: Readonly<{ origin: number; factor: number; unit: string }>,
  canonicalUnit: string,
  field: string,
): (number | S)[] | FieldIssue {
  const zero = canonicalQuantity(units, 0, transform.unit, canonicalUnit, field);
  const one = canonicalQuantity(units, 1, transform.unit, canonicalUnit, field);
  if (isUnitIssue(zero)) return zero;
  if (isUnitIssue(one)) return one;
  const offset = zero.value;
  const scale = one.value - zero.value;
  const identity = offset === 0 && scale === 1 && transform.origin === 0 && transform.factor === 1;
  return samples.map((s) => (typeof s !== 'number' || identity ? s : Number((offset + scale * (transform.origin + transform.factor * s)).toPrecision(12))));
}
