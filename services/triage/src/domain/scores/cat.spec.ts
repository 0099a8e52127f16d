import { describe, expect, it } from 'vitest';
import { catBand, catTotal } from './cat';

describe('CAT', () => {
  it('adds the 8 items to a total of 0–40', () => {
    expect(catTotal([0, 0, 0, 0, 0, 0, 0, 0])).toBe(0);
    expect(catTotal([3, 2, 4, 1, 5, 0, 3, 5])).toBe(23);
    expect(catTotal([5, 5, 5, 5, 5, 5, 5, 5])).toBe(40);
  });

  it('refuses a wrong number of items or an answer outside 0–5', () => {
    expect(() => catTotal([1, 2, 3])).toThrow(/8 items/);
    expect(() => catTotal([0, 0, 0, 0, 0, 0, 0, 6])).toThrow(/item 8/);
    expect(() => catTotal([0, -1, 0, 0, 0, 0, 0, 0])).toThrow(/item 2/);
    expect(() => catTotal([0, 1.5, 0, 0, 0, 0, 0, 0])).toThrow(/item 2/);
  });

  it.each([[0, 'low'], [9, 'low'], [10, 'medium'], [20, 'medium'], [21, 'high'], [30, 'high'], [31, 'very high'], [40, 'very high']] as const)('total %d is %s impact', (total, band) => {
    expect(catBand(total)).toBe(band);
  });
});
