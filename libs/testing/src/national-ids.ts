import { randomInt } from 'node:crypto';
import { withNationalIdCheckDigits } from '@varde/core';

/**
 * A random, valid synthetic Norwegian national identity number (Tenor style: month + 80), so tests never
 * use a real person's number. `kind: 'd-number'` adds 40 to the day instead.
 */
export function syntheticNationalId(kind: 'synthetic' | 'd-number' = 'synthetic'): string {
  for (;;) {
    const day = randomInt(1, 29) + (kind === 'd-number' ? 40 : 0);
    const month = randomInt(1, 13) + (kind === 'synthetic' ? 80 : 0);
    const year = randomInt(0, 100);
    const individual = randomInt(0, 1000);
    const id = withNationalIdCheckDigits(`${pad(day, 2)}${pad(month, 2)}${pad(year, 2)}${pad(individual, 3)}`);
    if (id !== undefined) return id;
  }
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
