import { commonV1, pathwaysV1Events, sharingV1Events, triageV1Events, type IntegrationEventType } from '@varde/contracts';
import type { EventData } from '../../domain/audit/timeline-event';

type EnumNames = Readonly<Record<number, string>>;

/** The enum fields of each integration event, so the timeline shows `COLOUR_RED` (the contract's name), not 3. */
const ENUM_FIELDS: Readonly<Record<string, Readonly<Record<string, EnumNames>>>> = {
  'varde.triage.v1.PatientTriaged': { colour: commonV1.Colour, previousColour: commonV1.Colour },
  'varde.triage.v1.AlertRaised': { colour: commonV1.Colour },
  'varde.triage.v1.AlertResolved': { outcome: triageV1Events.AlertOutcome },
  'varde.pathways.v1.PatientDischarged': { reason: pathwaysV1Events.DischargeReason },
  'varde.pathways.v1.TaskDue': { kind: pathwaysV1Events.TaskKind },
  'varde.pathways.v1.TaskMissed': { kind: pathwaysV1Events.TaskKind },
  'varde.pathways.v1.ContactRecorded': { driver: pathwaysV1Events.ContactDriver, mode: pathwaysV1Events.ContactMode },
  'varde.sharing.v1.ConsentChanged': { state: sharingV1Events.ConsentState, provision: sharingV1Events.ConsentProvision },
};

/**
 * An integration event as JSON, from the message the consumer decoded: protobuf field names in camelCase, timestamps
 * as ISO 8601, enums by their names in the contract. Every integration event type is kept (consents too).
 */
export function timelineJson(type: IntegrationEventType, event: unknown): EventData {
  const json = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  for (const [field, names] of Object.entries(ENUM_FIELDS[type] ?? {})) {
    if (typeof json[field] === 'number') json[field] = names[json[field]] ?? json[field];
  }
  if (Array.isArray(json.parties)) {
    // ConsentChanged's parties, each with its kind.
    json.parties = (json.parties as Record<string, unknown>[]).map((p) => ({ ...p, kind: typeof p.kind === 'number' ? (sharingV1Events.ConsentPartyKind[p.kind] ?? p.kind) : p.kind }));
  }
  return json;
}
