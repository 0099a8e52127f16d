/** What kind of Norwegian identity number was given. */
export type NationalIdKind = 'fødselsnummer' | 'd-number' | 'h-number' | 'synthetic';

/** The outcome of checking a national identity number: its kind, or why it was refused. */
export type NationalIdCheck = { valid: true; kind: NationalIdKind } | { valid: false; reason: string };

const WEIGHTS_1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const WEIGHTS_2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/**
 * Checks a Norwegian national identity number (fødselsnummer): 11 digits, a real date of birth and both
 * mod-11 check digits. D-numbers (day + 40), H-numbers (month + 40) and synthetic test numbers from
 * Skatteetaten's Tenor (month + 80) and NAV (month + 40) are accepted.
 */
export function checkNationalId(input: string): NationalIdCheck {
  if (!/^\d{11}$/.test(input)) return { valid: false, reason: 'expected exactly 11 digits' };
  if (withNationalIdCheckDigits(input.slice(0, 9)) !== input) {
    return { valid: false, reason: 'the check digits do not match (not a valid national identity number)' };
  }
  let day = Number(input.slice(0, 2));
  let month = Number(input.slice(2, 4));
  let kind: NationalIdKind = 'fødselsnummer';
  if (day > 40) {
    day -= 40;
    kind = 'd-number';
  }
  if (month > 80) {
    month -= 80;
    // Tenor's synthetic D-numbers (day + 40 and month + 80) are D-numbers: written in the D-number system.
    kind = kind === 'd-number' ? 'd-number' : 'synthetic';
  } else if (month > 40) {
    month -= 40;
    kind = kind === 'd-number' ? 'd-number' : 'h-number';
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(month)) {
    return { valid: false, reason: 'the first six digits are not a valid date of birth (ddmmyy)' };
  }
  return { valid: true, kind };
}

/**
 * The national identity number that nine digits (date of birth and individual number) make with their two mod-11
 * check digits; undefined when no check digit fits (such an individual number is never issued).
 */
export function withNationalIdCheckDigits(nine: string): string | undefined {
  const digits = [...nine].map(Number);
  const k1 = checkDigit(digits, WEIGHTS_1);
  const k2 = k1 === undefined ? undefined : checkDigit([...digits, k1], WEIGHTS_2);
  return k2 === undefined ? undefined : `${nine}${k1}${k2}`;
}

function checkDigit(digits: readonly number[], weights: readonly number[]): number | undefined {
  const sum = weights.reduce((acc, w, i) => acc + w * (digits[i] ?? 0), 0);
  const k = 11 - (sum % 11);
  if (k === 11) return 0;
  return k === 10 ? undefined : k;
}

function daysInMonth(month: number): number {
  // The year is ambiguous without the individual number's century rules; allow 29 February always.
  return [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** The FHIR identifier system of fødselsnummer (and synthetic test numbers) in Norway. */
export const FODSELSNUMMER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
/** The FHIR identifier system of D-numbers. */
export const D_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.2';

/** The FHIR identifier system a valid national id is written in: D-numbers have their own, every other kind is a fødselsnummer. */
export function nationalIdSystem(nationalId: string): string {
  const check = checkNationalId(nationalId);
  return check.valid && check.kind === 'd-number' ? D_NUMBER_SYSTEM : FODSELSNUMMER_SYSTEM;
}

/**
 * A national identity number as a screen shows it to confirm who was found: the date of birth part and the personal
 * number hidden, `150765 *****`. The whole number stays in pathways.
 */
export function maskNationalId(nationalId: string): string {
  return `${nationalId.slice(0, 6)} *****`;
}

/**
 * The date of birth (`YYYY-MM-DD`) of a valid national identity number or D-number, the century from the
 * individual number (Skatteetaten's rules): 000–499 → 1900–1999; 500–749 with year 54–99 → 1854–1899; 500–999 with
 * year 00–39 → 2000–2039; 900–999 with year 40–99 → 1940–1999. Undefined when the number is not valid or its
 * individual number fits no century.
 */
export function birthDateOf(nationalId: string): string | undefined {
  if (!checkNationalId(nationalId).valid) return undefined;
  const day = Number(nationalId.slice(0, 2)) % 40;
  const month = Number(nationalId.slice(2, 4)) % 40;
  const yy = Number(nationalId.slice(4, 6));
  const individual = Number(nationalId.slice(6, 9));
  let century: number | undefined;
  if (individual <= 499) century = 1900;
  else if (individual <= 749 && yy >= 54) century = 1800;
  else if (yy <= 39) century = 2000;
  else if (individual >= 900) century = 1900;
  if (century === undefined) return undefined;
  const date = `${century + yy}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  // 29 February only in leap years (checkNationalId cannot know the year).
  return new Date(`${date}T00:00:00Z`).toISOString().startsWith(date) ? date : undefined;
}

/** Whole years from a birth date to a date (both `YYYY-MM-DD`): the age changes on the birthday itself. */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The calendar date (`YYYY-MM-DD`) in Norway at an instant: a Norwegian birthday begins at midnight Oslo time. */
export function osloDate(instant: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}
