import { actorToProto, integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { AccessLogEvent } from '../domain/access-log.events';

const ACCESS_LOGGED = 'varde.sharing.v1.AccessLogged';

/** Publishes AccessLogged, for other trusts and the patient portal. */
export function sharingIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<AccessLogEvent>;
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
        }),
      });
    }
    default:
      return undefined;
  }
}
