import { randomInt } from 'node:crypto';

const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const check = (digits: number[], weights: number[]): number => (11 - (weights.reduce((sum, w, i) => sum + w * digits[i]!, 0) % 11)) % 11;

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
    const nine = `${pad(day, 2)}${pad(month, 2)}${pad(year, 2)}${pad(individual, 3)}`;
    const digits = [...nine].map(Number);
    const k1 = check(digits, W1);
    if (k1 === 10) continue;
    const k2 = check([...digits, k1], W2);
    if (k2 === 10) continue;
    return `${nine}${k1}${k2}`;
  }
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
