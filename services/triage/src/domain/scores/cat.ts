/*
 * COPD Assessment Test (CAT): 8 items scored 0–5, total 0–40. Impact bands as published with the test:
 * Jones PW et al. Development and first validation of the COPD Assessment Test. Eur Respir J 2009;34:648–654,
 * and the CAT user guide (GSK, catestonline.org): < 10 low, 10–20 medium, 21–30 high, > 30 very high impact.
 */

/** The code under which forms publishes the CAT total. */
export const CAT_SCORE_CODE = { system: 'https://varde.no/fhir/CodeSystem/score', code: 'CAT' } as const;

/** The CAT items by the linkId forms answers them under, in questionnaire order (each 0–5). */
export const CAT_ITEMS = ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'] as const;

/** The questionnaire the CAT items belong to (its canonical URL). */
export const CAT_QUESTIONNAIRE_URL = 'https://varde.no/fhir/Questionnaire/cat';

/** Impact of COPD on the patient's life, by CAT total. */
export type CatBand = 'low' | 'medium' | 'high' | 'very high';

const ITEMS = 8;
const ITEM_MAX = 5;

/** The CAT total of 8 item answers; throws RangeError for a wrong count or an answer outside 0–5. */
export function catTotal(items: readonly number[]): number {
  if (items.length !== ITEMS) throw new RangeError(`CAT has ${ITEMS} items, got ${items.length}`);
  items.forEach((item, i) => {
    if (!Number.isInteger(item) || item < 0 || item > ITEM_MAX) throw new RangeError(`CAT item ${i + 1} must be a whole number 0–${ITEM_MAX}, got ${item}`);
  });
  return items.reduce((a, b) => a + b, 0);
}

/** The impact band of a CAT total (0–40). */
export function catBand(total: number): CatBand {
  if (total > 30) return 'very high';
  if (total >= 21) return 'high';
  if (total >= 10) return 'medium';
  return 'low';
}
