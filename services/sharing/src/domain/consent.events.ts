import type { DomainEvent } from '@varde/core';

/** FHIR R4 Consent.status. */
export type ConsentStatus = 'draft' | 'proposed' | 'active' | 'rejected' | 'inactive' | 'entered-in-error';

/** What a consent does for its parties (Consent.provision.type): share with them, or block them (sperre). */
export type ConsentProvisionType = 'permit' | 'deny';

/**
 * Who a consent names: a receiver of shared data (municipality home care, GP office, another health trust) or a
 * blocked party (a health professional by HPR number, an organisation by organisation number).
 */
export type ConsentPartyKind = 'municipality' | 'gp' | 'health-trust' | 'practitioner' | 'organization' | 'related-person';

/** One party a consent names, by identifier. */
export type ConsentParty = Readonly<{ kind: ConsentPartyKind; system: string; value: string; display?: string }>;

/** What Varde acts on in a Consent: everything else of the resource is kept as it was sent. */
export type ConsentTerms = Readonly<{
  patientId: string;
  status: ConsentStatus;
  provision: ConsentProvisionType;
  parties: readonly ConsentParty[];
  /** Data categories of the access policy the consent covers; empty means all. */
  categories: readonly string[];
  includeNationalId: boolean;
  periodStart?: string;
  periodEnd?: string;
}>;

/** One version of a consent: its terms and the FHIR resource as sent (without id and meta, which Varde sets). */
export type ConsentVersion = Readonly<{
  consentId: string;
  version: number;
  terms: ConsentTerms;
  resource: Readonly<Record<string, unknown>>;
}>;

/** A consent was given, recorded or changed (any status but a withdrawal). */
export type ConsentRecorded = DomainEvent<'ConsentRecorded', ConsentVersion>;
/** A consent in force was withdrawn (status inactive): nothing more is shared, or the block is lifted. */
export type ConsentWithdrawn = DomainEvent<'ConsentWithdrawn', ConsentVersion>;

/** Every event of a consent's stream. */
export type ConsentEvent = ConsentRecorded | ConsentWithdrawn;

/** A consent folded from its events. */
export type ConsentState =
  | { status: 'none' }
  | { status: 'recorded'; current: ConsentVersion; /** True once a version was in force (active). */ everGiven: boolean };

/** The state before any event. */
export const initialConsentState = (): ConsentState => ({ status: 'none' });

/** Applies one event to the state. */
export function evolveConsent(state: ConsentState, event: ConsentEvent): ConsentState {
  switch (event.type) {
    case 'ConsentRecorded':
    case 'ConsentWithdrawn':
      return { status: 'recorded', current: event.data, everGiven: (state.status === 'recorded' && state.everGiven) || event.data.terms.status === 'active' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The stream of one consent (all its versions). */
export const consentStreamId = (consentId: string): string => `consent-${consentId}`;

/** Whether a consent's terms are in force at `now`: active, and within its period. */
export function inForce(terms: ConsentTerms, now: string): boolean {
  if (terms.status !== 'active') return false;
  if (terms.periodStart !== undefined && Date.parse(terms.periodStart) > Date.parse(now)) return false;
  return terms.periodEnd === undefined || Date.parse(terms.periodEnd) > Date.parse(now);
}
