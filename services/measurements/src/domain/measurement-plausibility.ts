import { DIASTOLIC, type FieldIssue, type MeasurementType, type Plausibility, SYSTOLIC } from '@varde/core';

/** A flag on a value that is possible but outside the usual range; prefixed `<component code>:` for panel parts. */
export type PlausibilityFlag = 'unusual-low' | 'unusual-high' | `${string}:unusual-low` | `${string}:unusual-high`;

/** A value in its canonical unit, as plausibility judges it. */
export type CanonicalReading = Readonly<{ value: number; components?: readonly Readonly<{ code: string; value: number }>[] }>;

/** What plausibility found: impossible values (refused) and unusual ones (accepted, flagged). */
export type PlausibilityResult = Readonly<{ issues: readonly FieldIssue[]; flags: readonly PlausibilityFlag[] }>;

const describeRange = (p: Plausibility, unit: string): string => {
  const { min, max, minExclusive } = p.possible;
  if (min !== undefined && max !== undefined) return `${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and up to' : 'to'} ${max} ${unit}`;
  if (min !== undefined) return `${minExclusive ? 'above' : 'at least'} ${min} ${unit}`;
  if (max !== undefined) return `at most ${max} ${unit}`;
  return `a finite number of ${unit}`;
};

function judge(p: Plausibility, value: number): 'impossible' | 'unusual-low' | 'unusual-high' | 'usual' {
  const { min, max, minExclusive } = p.possible;
  if (!Number.isFinite(value)) return 'impossible';
  if (min !== undefined && (minExclusive ? value <= min : value < min)) return 'impossible';
  if (max !== undefined && value > max) return 'impossible';
  if (p.usual?.min !== undefined && value < p.usual.min) return 'unusual-low';
  if (p.usual?.max !== undefined && value > p.usual.max) return 'unusual-high';
  return 'usual';
}

/**
 * Judges a reading in canonical units: physically impossible values become issues naming the field (`value`,
 * `components[i].value`; the caller refuses the measurement), possible-but-unusual values become flags for triage to weigh.
 */
export function assessPlausibility(type: MeasurementType, reading: CanonicalReading): PlausibilityResult {
  const issues: FieldIssue[] = [];
  const flags: PlausibilityFlag[] = [];
  if (type.components) {
    const parts = reading.components ?? [];
    parts.forEach((part, i) => {
      const component = type.components!.find((c) => c.code === part.code);
      if (!component) return;
      const verdict = judge(component.plausibility, part.value);
      if (verdict === 'impossible') issues.push({ field: `components[${i}].value`, message: `${component.display} must be ${describeRange(component.plausibility, component.canonicalUnit)}` });
      else if (verdict !== 'usual') flags.push(`${component.code}:${verdict}`);
    });
    const systolic = parts.find((p) => p.code === SYSTOLIC.code);
    const diastolic = parts.find((p) => p.code === DIASTOLIC.code);
    if (systolic && diastolic && systolic.value < diastolic.value) {
      issues.push({ field: 'components', message: `systolic (${systolic.value} mm[Hg]) is below diastolic (${diastolic.value} mm[Hg]), which is not possible` });
    }
    return { issues, flags };
  }
  const verdict = judge(type.plausibility, reading.value);
  if (verdict === 'impossible') issues.push({ field: 'value', message: impossibility(type, reading.value)! });
  else if (verdict !== 'usual') flags.push(verdict);
  return { issues, flags };
}

/** Why `value` cannot be a real reading of `type` (e.g. "Oxygen saturation must be from 0 to 100 %"); undefined when it can. */
export function impossibility(type: MeasurementType, value: number): string | undefined {
  return judge(type.plausibility, value) === 'impossible' ? `${type.display} must be ${describeRange(type.plausibility, type.canonicalUnit)}` : undefined;
}

/** An issue when the effective time is further ahead of `now` than the allowed clock skew. */
export function assessEffectiveTime(effectiveTime: string, now: Date, maxFutureMs: number): FieldIssue | undefined {
  if (Date.parse(effectiveTime) <= now.getTime() + maxFutureMs) return undefined;
  return { field: 'effectiveTime', message: `is more than ${Math.round(maxFutureMs / 1000)} s in the future` };
}
