import { inForce, type ConsentTerms } from '../consent.events';
import { sharingCoverage } from '../pmd/sharing-coverage';

/** One trust that may receive a patient's data of a category now, and whether with the national id. */
export type FeedReceiver = Readonly<{ trust: string; includeNationalId: boolean }>;

/**
 * The health trusts that may receive a patient's data of `category` (an access-policy category) at `now`: every
 * trust a permit in force names, kept only where {@link sharingCoverage} permits the category for that trust (a block
 * on it wins; the national id only when every permit for it says so). A withdrawn or expired consent names nobody.
 */
export function feedReceivers(consents: readonly ConsentTerms[], category: string, now: string): FeedReceiver[] {
  const named = new Set(
    consents
      .filter((c) => c.provision === 'permit' && inForce(c, now))
      .flatMap((c) => c.parties.filter((p) => p.kind === 'health-trust').map((p) => p.value)),
  );
  return [...named].sort().flatMap((trust) => {
    const coverage = sharingCoverage(consents, { kinds: ['health-trust'], organisationNumber: trust }, category, now);
    return coverage.permitted ? [{ trust, includeNationalId: coverage.includeNationalId }] : [];
  });
}
