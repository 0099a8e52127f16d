import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOOD_PRESSURE, BODY_TEMPERATURE, BODY_WEIGHT, measurementTypeOf, PULSE, SPO2 } from '@varde/core';
import { assessEffectiveTime, assessPlausibility } from './measurement-plausibility';

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const bp = (systolic: number, diastolic: number) => ({ value: systolic, components: [{ code: '8480-6', value: systolic }, { code: '8462-4', value: diastolic }] });

describe('plausibility', () => {
  it('refuses any SpO2 above 100 %', () => {
    fc.assert(fc.property(value(100, 1e6).filter((v) => v > 100), (v) => void expect(assessPlausibility(SPO2, { value: v }).issues).toHaveLength(1)));
  });

  it('accepts any SpO2 from 50 to 100 %, flagging those below 90 %', () => {
    fc.assert(
      fc.property(value(50, 100), (v) => {
        const result = assessPlausibility(SPO2, { value: v });
        expect(result.issues).toEqual([]);
        expect(result.flags).toEqual(v < 90 ? ['unusual-low'] : []);
      }),
    );
  });

  it('refuses a pulse of 0 or above 350 /min, accepts anything between', () => {
    expect(assessPlausibility(PULSE, { value: 0 }).issues).toHaveLength(1);
    fc.assert(fc.property(value(350, 1e9).filter((v) => v > 350), (v) => void expect(assessPlausibility(PULSE, { value: v }).issues).toHaveLength(1)));
    fc.assert(fc.property(value(0, 350).filter((v) => v > 0), (v) => void expect(assessPlausibility(PULSE, { value: v }).issues).toEqual([])));
  });

  it('always refuses a systolic below the diastolic', () => {
    fc.assert(
      fc.property(value(1, 250), value(0, 249), (diastolic, gap) => {
        const systolic = diastolic - gap - 1e-9;
        fc.pre(systolic > 0);
        expect(assessPlausibility(BLOOD_PRESSURE, bp(systolic, diastolic)).issues.map((i) => i.field)).toContain('components');
      }),
    );
  });

  it('accepts a usual blood pressure without flags and flags a high diastolic on its component', () => {
    expect(assessPlausibility(BLOOD_PRESSURE, bp(120, 80))).toEqual({ issues: [], flags: [] });
    expect(assessPlausibility(BLOOD_PRESSURE, bp(200, 130)).flags).toEqual(['8462-4:unusual-high']);
  });

  it('refuses any negative or zero weight and never flags a weight from 30 to 250 kg', () => {
    fc.assert(fc.property(value(-1e6, 0), (v) => void expect(assessPlausibility(BODY_WEIGHT, { value: v }).issues).toHaveLength(1)));
    fc.assert(fc.property(value(30, 250), (v) => void expect(assessPlausibility(BODY_WEIGHT, { value: v })).toEqual({ issues: [], flags: [] })));
  });

  it('flags fever and hypothermia, refuses temperatures no one survives', () => {
    expect(assessPlausibility(BODY_TEMPERATURE, { value: 39.5 }).flags).toEqual(['unusual-high']);
    expect(assessPlausibility(BODY_TEMPERATURE, { value: 35 }).flags).toEqual(['unusual-low']);
    expect(assessPlausibility(BODY_TEMPERATURE, { value: 60 }).issues[0]!.message).toContain('from 10 to 47 Cel');
  });

  it('refuses non-finite values and absurd magnitudes for any LOINC quantity', () => {
    const other = measurementTypeOf('http://loinc.org', '2339-0', 'mg/dL')!;
    expect(assessPlausibility(other, { value: 95 })).toEqual({ issues: [], flags: [] });
    for (const v of [NaN, Infinity, 1e308]) expect(assessPlausibility(other, { value: v }).issues).toHaveLength(1);
  });

  it('refuses an effective time further ahead than the skew, at any skew', () => {
    const now = new Date('2026-11-22T08:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), fc.integer({ min: 1, max: 86_400_000 }), (skew, beyond) => {
        expect(assessEffectiveTime(new Date(now.getTime() + skew).toISOString(), now, skew)).toBeUndefined();
        expect(assessEffectiveTime(new Date(now.getTime() + skew + beyond).toISOString(), now, skew)?.field).toBe('effectiveTime');
      }),
    );
  });
});
