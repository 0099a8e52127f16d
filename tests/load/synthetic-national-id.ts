const WEIGHTS_1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const WEIGHTS_2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const DAYS = 28;
const MONTHS = 12;
const YEARS = 50;
/** How many distinct numbers {@link syntheticNationalId} can give. */
export const SYNTHETIC_NATIONAL_ID_CAPACITY = DAYS * MONTHS * YEARS;

/**
 * The `index`-th synthetic Norwegian national identity number (Skatteetaten Tenor style: month + 80), so a
 * benchmark never carries a real person's number. Each index has its own birth date, hence distinct numbers;
 * the individual digits are chosen so both mod-11 check digits exist.
 */
export function syntheticNationalId(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= SYNTHETIC_NATIONAL_ID_CAPACITY) {
    throw new RangeError(`index must be a whole number in [0, ${SYNTHETIC_NATIONAL_ID_CAPACITY})`);
  }
  const day = 1 + (index % DAYS);
  const month = 81 + (Math.floor(index / DAYS) % MONTHS);
  const year = 40 + Math.floor(index / (DAYS * MONTHS));
  const date = `${pad(day)}${pad(month)}${pad(year)}`;
  for (let individual = 100; individual < 1000; individual++) {
    const digits = [...`${date}${individual}`].map(Number);
    const k1 = checkDigit(digits, WEIGHTS_1);
    if (k1 === undefined) continue;
    const k2 = checkDigit([...digits, k1], WEIGHTS_2);
    if (k2 === undefined) continue;
    return `${date}${individual}${k1}${k2}`;
  }
  throw new Error(`no valid individual number for ${date}`);
}

function checkDigit(digits: readonly number[], weights: readonly number[]): number | undefined {
  const k = 11 - (weights.reduce((sum, w, i) => sum + w * (digits[i] ?? 0), 0) % 11);
  if (k === 11) return 0;
  return k === 10 ? undefined : k;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
