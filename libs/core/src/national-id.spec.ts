import { describe, expect, it } from 'vitest';
import { birthDateOf, checkNationalId } from './national-id';

/** Builds a number with correct check digits from its first nine digits. */
function withCheckDigits(nine: string): string {
  const d = [...nine].map(Number);
  const k1 = (11 - ([3, 7, 6, 1, 8, 9, 4, 5, 2].reduce((a, w, i) => a + w * d[i]!, 0) % 11)) % 11;
  const d10 = [...d, k1];
  const k2 = (11 - ([5, 4, 3, 2, 7, 6, 5, 4, 3, 2].reduce((a, w, i) => a + w * d10[i]!, 0) % 11)) % 11;
  return `${nine}${k1}${k2}`;
}

describe('checkNationalId', () => {
  it('accepts a published test fødselsnummer', () => {
    expect(checkNationalId('01010112345')).toEqual({ valid: false, reason: expect.stringContaining('check digits') });
    expect(checkNationalId('15076500565')).toEqual({ valid: true, kind: 'fødselsnummer' });
  });

  it('accepts D-numbers, H-numbers and synthetic test numbers', () => {
    expect(checkNationalId(withCheckDigits('550765005'))).toEqual({ valid: true, kind: 'd-number' });
    expect(checkNationalId(withCheckDigits('154765005'))).toEqual({ valid: true, kind: 'h-number' });
    expect(checkNationalId(withCheckDigits('158765005'))).toEqual({ valid: true, kind: 'synthetic' });
    // A synthetic D-number from Tenor (day + 40, month + 80) is a D-number.
    expect(checkNationalId(withCheckDigits('558765005'))).toEqual({ valid: true, kind: 'd-number' });
  });

  it('refuses a wrong second check digit', () => {
    expect(checkNationalId('15076500566')).toMatchObject({ valid: false, reason: expect.stringContaining('check digits') });
  });

  it('refuses wrong length, letters and impossible dates', () => {
    expect(checkNationalId('1507650056')).toMatchObject({ valid: false, reason: 'expected exactly 11 digits' });
    expect(checkNationalId('1507650056a')).toMatchObject({ valid: false, reason: 'expected exactly 11 digits' });
    expect(checkNationalId(withCheckDigits('321365005'))).toMatchObject({ valid: false, reason: expect.stringContaining('date of birth') });
  });
});

describe('birthDateOf', () => {
  it('takes the century from the individual number', () => {
    expect(birthDateOf(withCheckDigits('150765005'))).toBe('1965-07-15');
    expect(birthDateOf(withCheckDigits('150765505'))).toBe('1865-07-15');
    expect(birthDateOf(withCheckDigits('150710505'))).toBe('2010-07-15');
    expect(birthDateOf('15076591595')).toBe('1965-07-15');
  });
  it('reads D-numbers and synthetic numbers, and refuses what fits no century or no calendar', () => {
    expect(birthDateOf(withCheckDigits('550714505'))).toBe('2014-07-15');
    expect(birthDateOf(withCheckDigits('158714505'))).toBe('2014-07-15');
    expect(birthDateOf(withCheckDigits('150745605'))).toBeUndefined();
    expect(birthDateOf('29020000579')).toBeUndefined();
    expect(birthDateOf('15076500566')).toBeUndefined();
  });
});
