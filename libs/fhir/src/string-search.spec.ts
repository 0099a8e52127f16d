import { describe, expect, it } from 'vitest';
import { foldForSearch } from './string-search';

describe('foldForSearch: text as a string search compares it', () => {
  it('ignores case and accents but keeps å, æ and ø as letters', () => {
    expect(foldForSearch('HÉLÈNE Müller')).toBe('helene muller');
    expect(foldForSearch('Ærlig Østby Åsen')).toBe('ærlig østby åsen');
    expect(foldForSearch('Åsen')).not.toBe(foldForSearch('Asen'));
    expect(foldForSearch('Ø')).not.toBe(foldForSearch('O'));
  });
});
