import { inForce, type ConsentPartyKind, type ConsentTerms } from '../consent.events';

/** Who receives shared data: PMD (read by the municipality's home care and the GP), or one health trust. */
export type Receiver = Readonly<{ kinds: readonly ConsentPartyKind[]; organisationNumber?: string }>;

/** The patient's municipality (home care) and GP: who reads what Varde shares through PMD and the self-care plan. */
export const MUNICIPALITY_AND_GP: Receiver = { kinds: ['municipality', 'gp'] };
/** Pasientens måledata: what is put there is read by the patient's municipality and GP. */
export const PMD_RECEIVER: Receiver = MUNICIPALITY_AND_GP;

/** Whether a patient's consents let data of `category` go to `receiver` now, and with the national id or not. */
export type Coverage = Readonly<{ permitted: false; reason: string } | { permitted: true; includeNationalId: boolean }>;

const names = (terms: ConsentTerms, receiver: Receiver): boolean =>
  terms.parties.some((p) => receiver.kinds.includes(p.kind) && (receiver.organisationNumber === undefined || p.kind !== 'health-trust' || p.value === receiver.organisationNumber));
const covers = (terms: ConsentTerms, category: string): boolean => terms.categories.length === 0 || terms.categories.includes(category);

/**
 * Decides from the patient's consents (every version in force at `now`) whether data of `category` may go to
 * `receiver`: a permit in force that names the receiver's kind (for a health trust, its organisation number) and
 * covers the category is needed, and any block in force on the receiver wins over every permit (sperre). The
 * national id may go only when every permit that allows the sharing says so.
 */
export function sharingCoverage(consents: readonly ConsentTerms[], receiver: Receiver, category: string, now: string): Coverage {
  const inForceNow = consents.filter((c) => inForce(c, now) && names(c, receiver) && covers(c, category));
  if (inForceNow.some((c) => c.provision === 'deny')) return { permitted: false, reason: 'blocked by the patient (sperre)' };
  const permits = inForceNow.filter((c) => c.provision === 'permit');
  if (permits.length === 0) return { permitted: false, reason: 'no consent in force covers this receiver and category' };
  return { permitted: true, includeNationalId: permits.every((c) => c.includeNationalId) };
}
