import { ConcurrencyError, IllegalStateError, NotFoundError, UnprocessableError, ValidationError, type Decider, type DomainCommand, type Subject } from '@varde/core';
import { evolveConsent, initialConsentState, type ConsentEvent, type ConsentState, type ConsentTerms } from './consent.events';

/** What a Consent resource says, as the API parsed it. */
type ConsentContent = Readonly<{ consentId: string; terms: ConsentTerms; resource: Readonly<Record<string, unknown>> }>;

/** Record a new consent. */
export type RecordConsent = DomainCommand<'RecordConsent', ConsentContent>;
/** Record a new version of a consent, e.g. its withdrawal (status inactive). */
export type ChangeConsent = DomainCommand<'ChangeConsent', ConsentContent & Readonly<{ /** The version the sender read (an API's `If-Match`), when given. */ ifMatch?: number }>>;

/** Every command of the consent decider. */
export type ConsentCommand = RecordConsent | ChangeConsent;

const NEVER_GIVEN = 'a consent that was never given (never active) cannot be withdrawn; record it as active first, or as rejected';

/**
 * A consent's versions: recorded by the patient, a guardian or a clinician on the patient's behalf; changed by a
 * new version; withdrawn by a version with status inactive. A withdrawal of a consent that was never in force is
 * refused (there is nothing to withdraw); a version equal to the current one changes nothing.
 */
export function decideConsent(command: ConsentCommand, state: ConsentState): ConsentEvent[] {
  const { consentId, terms, resource } = command.data;
  const consent: Subject = { thing: 'consent', id: consentId };
  switch (command.type) {
    case 'RecordConsent': {
      if (state.status === 'recorded') throw IllegalStateError.about(consent, 'exists already; change it by recording a new version of it');
      if (terms.status === 'inactive') throw new UnprocessableError('terms.status', NEVER_GIVEN);
      return [{ type: 'ConsentRecorded', data: { consentId, version: 1, terms, resource } }];
    }
    case 'ChangeConsent': {
      if (state.status === 'none') {
        if (terms.status === 'inactive') throw new UnprocessableError('terms.status', NEVER_GIVEN);
        throw NotFoundError.about(consent, 'does not exist; record it as a new consent first');
      }
      const current = state.current;
      if (command.data.ifMatch !== undefined && command.data.ifMatch !== current.version) {
        throw ConcurrencyError.about(consent, `is at version ${current.version}, not ${command.data.ifMatch}; read it again`);
      }
      if (terms.patientId !== current.terms.patientId) throw ValidationError.field('terms.patientId', `a consent stays with its patient (patient ${current.terms.patientId})`);
      if (JSON.stringify(terms) === JSON.stringify(current.terms) && JSON.stringify(resource) === JSON.stringify(current.resource)) return [];
      const version = current.version + 1;
      if (terms.status !== 'inactive') return [{ type: 'ConsentRecorded', data: { consentId, version, terms, resource } }];
      if (!state.everGiven) throw new UnprocessableError('terms.status', NEVER_GIVEN);
      return [{ type: 'ConsentWithdrawn', data: { consentId, version, terms, resource } }];
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

/** The consent decider. */
export const consentDecider: Decider<ConsentCommand, ConsentState, ConsentEvent> = {
  decide: decideConsent,
  evolve: evolveConsent,
  initialState: initialConsentState,
};
