/** Vital signs Varde knows: LOINC codes, canonical UCUM units and plausibility ranges, shared by measurements (validation) and triage (rule sets). */
/** A range of values in the canonical unit; an absent bound is open. */
export type ValueRange = Readonly<{ min?: number; max?: number }>;

/** Where a value of a type is physically possible and where it is usual (outside: accepted but flagged). */
export type Plausibility = Readonly<{
  /** Outside this range the value cannot be a real reading and is refused. `min` is exclusive when `minExclusive`. */
  possible: ValueRange & { minExclusive?: boolean };
  /** Outside this range the value is possible but unusual: accepted and flagged for triage. */
  usual?: ValueRange;
}>;

/** One part of a panel (e.g. the systolic pressure of a blood pressure). */
export type ComponentType = Readonly<{ code: string; display: string; canonicalUnit: string; plausibility: Plausibility }>;

/** A coded observation type Varde accepts, with the one unit it stores values in. */
export type MeasurementType = Readonly<{
  system: string;
  codes: readonly string[];
  display: string;
  canonicalUnit: string;
  plausibility: Plausibility;
  /** Present for panels, whose values are in components (blood pressure), not in `valueQuantity`. */
  components?: readonly ComponentType[];
}>;

/** LOINC, the code system of measurement types. */
export const LOINC = 'http://loinc.org';

// Ranges: "possible" from physiology and survival records, "usual" from the NEWS2 band that scores 0
// (Royal College of Physicians, National Early Warning Score 2, 2017); see docs/api/measurements.md.
const loinc = (codes: string[], display: string, canonicalUnit: string, plausibility: Plausibility): MeasurementType => ({ system: LOINC, codes, display, canonicalUnit, plausibility });

/** Oxygen saturation: 2708-6 (arterial blood) and 59408-5 (by pulse oximetry), in percent. */
export const SPO2 = loinc(['2708-6', '59408-5'], 'Oxygen saturation', '%', { possible: { min: 0, max: 100 }, usual: { min: 90 } });
/** Systolic blood pressure, a component of the blood pressure panel. */
export const SYSTOLIC: ComponentType = { code: '8480-6', display: 'Systolic blood pressure', canonicalUnit: 'mm[Hg]', plausibility: { possible: { min: 0, max: 300, minExclusive: true }, usual: { min: 91, max: 219 } } };
/** Diastolic blood pressure, a component of the blood pressure panel. */
export const DIASTOLIC: ComponentType = { code: '8462-4', display: 'Diastolic blood pressure', canonicalUnit: 'mm[Hg]', plausibility: { possible: { min: 0, max: 250, minExclusive: true }, usual: { min: 40, max: 120 } } };
/** Blood pressure panel 85354-9: systolic and diastolic components in mm[Hg]. */
export const BLOOD_PRESSURE: MeasurementType = { ...loinc(['85354-9'], 'Blood pressure panel', 'mm[Hg]', SYSTOLIC.plausibility), components: [SYSTOLIC, DIASTOLIC] };
/** Heart rate 8867-4, beats per minute. */
export const PULSE = loinc(['8867-4'], 'Heart rate', '/min', { possible: { min: 0, max: 350, minExclusive: true }, usual: { min: 51, max: 90 } });
/** Respiratory rate 9279-1, breaths per minute. */
export const RESPIRATORY_RATE = loinc(['9279-1'], 'Respiratory rate', '/min', { possible: { min: 0, max: 100, minExclusive: true }, usual: { min: 12, max: 20 } });
/** Body temperature 8310-5, degrees Celsius. */
export const BODY_TEMPERATURE = loinc(['8310-5'], 'Body temperature', 'Cel', { possible: { min: 10, max: 47 }, usual: { min: 36.1, max: 38 } });
/** Body weight 29463-7, kilograms. */
export const BODY_WEIGHT = loinc(['29463-7'], 'Body weight', 'kg', { possible: { min: 0, max: 700, minExclusive: true }, usual: { min: 30, max: 250 } });
/** Steps 55423-8 (pedometer, unspecified time): a count, `{steps}`; per-day totals belong to 41950-7. */
export const STEPS = loinc(['55423-8'], 'Number of steps', '{steps}', { possible: { min: 0, max: 1_000_000 } });

/** The vital signs Varde knows by name, with canonical units and plausibility ranges. */
export const MEASUREMENT_TYPES: readonly MeasurementType[] = [SPO2, BLOOD_PRESSURE, PULSE, RESPIRATORY_RATE, BODY_TEMPERATURE, BODY_WEIGHT, STEPS];

const LOINC_CODE = /^\d{1,7}-\d$/;
// No physiology is known for other codes; the bound only keeps absurd magnitudes (1e308) out of the log.
const OTHER_QUANTITY: Plausibility = { possible: { min: -1e12, max: 1e12 } };

/** True when `code` has the shape of a LOINC code (digits, a dash, a check digit). */
export const isLoincCode = (code: string): boolean => LOINC_CODE.test(code);

/**
 * The measurement type of a coding: a known vital sign, or any other LOINC-coded quantity, whose canonical
 * unit is the UCUM unit it arrived in (`receivedUnit`) and which is only refused beyond ±1e12.
 */
export function measurementTypeOf(system: string | undefined, code: string | undefined, receivedUnit?: string): MeasurementType | undefined {
  if (system !== LOINC || code === undefined) return undefined;
  const known = MEASUREMENT_TYPES.find((t) => t.codes.includes(code));
  if (known) return known;
  if (!isLoincCode(code) || receivedUnit === undefined) return undefined;
  return { system: LOINC, codes: [code], display: `LOINC ${code}`, canonicalUnit: receivedUnit, plausibility: OTHER_QUANTITY };
}

/** True for the vital signs Varde knows by name (not the catch-all for other LOINC codes). */
export const isKnownMeasurementCode = (system: string | undefined, code: string | undefined): boolean =>
  system === LOINC && code !== undefined && MEASUREMENT_TYPES.some((t) => t.codes.includes(code));
