import { actorToProto, integrationEventTypes, sharingV1Events } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { AccessLogEvent } from '../domain/access-log.events';
import type { ConsentEvent, ConsentPartyKind, ConsentStatus } from '../domain/consent.events';

const ACCESS_LOGGED = 'varde.sharing.v1.AccessLogged';
const CONSENT_CHANGED = 'varde.sharing.v1.ConsentChanged';

const { ConsentState, ConsentProvision, ConsentPartyKind: PartyKind } = sharingV1Events;

// Draft, proposed and rejected consents are not in force: for a receiver they are the same as a withdrawn one.
const STATE: Readonly<Record<ConsentStatus, sharingV1Events.ConsentState>> = {
  active: ConsentState.CONSENT_STATE_ACTIVE,
  inactive: ConsentState.CONSENT_STATE_INACTIVE,
  draft: ConsentState.CONSENT_STATE_INACTIVE,
  proposed: ConsentState.CONSENT_STATE_INACTIVE,
  rejected: ConsentState.CONSENT_STATE_INACTIVE,
  'entered-in-error': ConsentState.CONSENT_STATE_ENTERED_IN_ERROR,
};

const PARTY_KIND: Readonly<Record<ConsentPartyKind, sharingV1Events.ConsentPartyKind>> = {
  municipality: PartyKind.CONSENT_PARTY_KIND_MUNICIPALITY,
  gp: PartyKind.CONSENT_PARTY_KIND_GP,
  'health-trust': PartyKind.CONSENT_PARTY_KIND_HEALTH_TRUST,
  practitioner: PartyKind.CONSENT_PARTY_KIND_PRACTITIONER,
  organization: PartyKind.CONSENT_PARTY_KIND_ORGANIZATION,
  'related-person': PartyKind.CONSENT_PARTY_KIND_RELATED_PERSON,
};

/** Publishes AccessLogged (for other trusts and the patient portal) and ConsentChanged (for every service's access decisions and for sharing beyond the hospital). */
export function sharingIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<AccessLogEvent | ConsentEvent>;
  switch (e.type) {
    case 'AccessLogged': {
      const { actor } = e.data;
      return integrationMessageFor('sharing', e, {
        type: ACCESS_LOGGED,
        key: e.data.patientId,
        payload: integrationEventTypes[ACCESS_LOGGED].encode({
          entryId: e.data.entryId,
          patientId: e.data.patientId,
          actor: actorToProto(actor),
          purpose: e.data.purpose,
          resource: e.data.resource,
          accessedAt: new Date(e.data.accessedAt),
          reason: e.data.reason ?? '',
          emergencyAccessId: e.data.emergency?.grantId ?? '',
        }),
      });
    }
    case 'ConsentRecorded':
    case 'ConsentWithdrawn': {
      const { consentId, version, terms } = e.data;
      return integrationMessageFor('sharing', e, {
        type: CONSENT_CHANGED,
        key: terms.patientId,
        payload: integrationEventTypes[CONSENT_CHANGED].encode({
          consentId,
          patientId: terms.patientId,
          version,
          state: STATE[terms.status],
          provision: terms.provision === 'permit' ? ConsentProvision.CONSENT_PROVISION_PERMIT : ConsentProvision.CONSENT_PROVISION_DENY,
          parties: terms.parties.map((p) => ({ kind: PARTY_KIND[p.kind], system: p.system, value: p.value, display: p.display ?? '' })),
          categories: [...terms.categories],
          includeNationalId: terms.includeNationalId,
          periodStart: terms.periodStart === undefined ? undefined : new Date(terms.periodStart),
          periodEnd: terms.periodEnd === undefined ? undefined : new Date(terms.periodEnd),
          changedBy: actorToProto(e.metadata.actor),
          changedAt: new Date(e.metadata.recordedTime),
        }),
      });
    }
    default:
      return undefined;
  }
}
