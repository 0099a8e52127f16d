const ORGNR_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

/** True for a Norwegian organisation number (Enhetsregisteret): 9 digits with a valid mod-11 check digit. */
export function isOrganisationNumber(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const k = 11 - (ORGNR_WEIGHTS.reduce((sum, w, i) => sum + w * Number(value[i]), 0) % 11);
  return k !== 10 && (k === 11 ? 0 : k) === Number(value[8]);
}
