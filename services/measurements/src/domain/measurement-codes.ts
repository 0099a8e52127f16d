/** A coded observation type Varde accepts, with the one unit it stores values in. */
export type MeasurementType = Readonly<{ system: string; codes: readonly string[]; display: string; canonicalUnit: string; min: number; max: number }>;

/** LOINC, the code system of measurement types. */
export const LOINC = 'http://loinc.org';

/** Oxygen saturation: 2708-6 (arterial blood) and 59408-5 (by pulse oximetry), in percent. */
export const SPO2: MeasurementType = { system: LOINC, codes: ['2708-6', '59408-5'], display: 'Oxygen saturation', canonicalUnit: '%', min: 0, max: 100 };

/** Measurement types accepted by the skeleton. */
export const MEASUREMENT_TYPES: readonly MeasurementType[] = [SPO2];

/** The measurement type of a coding, if Varde accepts it. */
export const measurementTypeOf = (system: string | undefined, code: string | undefined): MeasurementType | undefined =>
  MEASUREMENT_TYPES.find((t) => t.system === system && code !== undefined && t.codes.includes(code));

/**
 * The value in the type's canonical unit. Only `%` exists for SpO2, so this is the identity today; it is the
 * one place unit conversion (e.g. kPa → mmHg) will go.
 */
export function toCanonical(type: MeasurementType, value: number, unit: string): { value: number; unit: string } {
  if (unit !== type.canonicalUnit) throw new RangeError(`no conversion from ${unit} to ${type.canonicalUnit}`);
  return { value, unit: type.canonicalUnit };
}
