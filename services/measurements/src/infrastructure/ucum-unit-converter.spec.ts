import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UcumUnitConverter } from './ucum-unit-converter';

const units = new UcumUnitConverter();
const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const close = (a: number, b: number): void => void expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));

describe('UCUM conversion to canonical units', () => {
  it.each([
    [150, '[lb_av]', 'kg', 68.0388555],
    [98.6, '[degF]', 'Cel', 37],
    [16, 'kPa', 'mm[Hg]', 120.010200867],
    [0.93, '1', '%', 93],
    [72, '{beats}/min', '/min', 72],
  ])('%s %s is %s %s', (v, from, to, expected) => {
    expect(units.convert(v, from, to)).toBe(expected);
  });

  it('refuses units that are not UCUM or do not convert', () => {
    expect(units.convert(1, 'percent', '%')).toBeUndefined();
    expect(units.convert(1, 'kg', 'mm[Hg]')).toBeUndefined();
  });

  it('round-trips kg ↔ [lb_av], Cel ↔ [degF] and mm[Hg] ↔ kPa', () => {
    const pairs: [string, string][] = [['kg', '[lb_av]'], ['Cel', '[degF]'], ['mm[Hg]', 'kPa']];
    fc.assert(
      fc.property(value(-1e6, 1e6), fc.constantFrom(...pairs), (v, [a, b]) => {
        close(units.convert(units.convert(v, a, b)!, b, a)!, v);
      }),
    );
  });

  it('keeps order: a heavier weight in pounds is heavier in kg', () => {
    fc.assert(
      fc.property(value(0, 2000), value(0, 2000), (x, y) => {
        fc.pre(x < y);
        expect(units.convert(x, '[lb_av]', 'kg')!).toBeLessThanOrEqual(units.convert(y, '[lb_av]', 'kg')!);
      }),
    );
  });

  it('converts pounds by the international avoirdupois factor', () => {
    fc.assert(fc.property(value(0, 2000), (lb) => {
      close(units.convert(lb, '[lb_av]', 'kg')!, lb * 0.45359237);
    }));
  });
});
