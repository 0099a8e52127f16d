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
