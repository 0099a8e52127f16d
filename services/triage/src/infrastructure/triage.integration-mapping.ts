import { commonV1, integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { TriageEvent } from '../domain/triage.events';
import type { Colour } from '../domain/triage-rules';

const PATIENT_TRIAGED = 'varde.triage.v1.PatientTriaged';
const colours: Readonly<Record<Colour, commonV1.Colour>> = { green: commonV1.Colour.COLOUR_GREEN, yellow: commonV1.Colour.COLOUR_YELLOW, red: commonV1.Colour.COLOUR_RED };

/** Publishes PatientTriaged; registrations and recorded inputs stay private to triage. */
export function triageIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<TriageEvent>;
  switch (e.type) {
    case 'PatientTriaged': {
      const d = e.data;
      return integrationMessageFor('triage', e, {
        type: PATIENT_TRIAGED,
        key: d.patientId,
        payload: integrationEventTypes[PATIENT_TRIAGED].encode({
          assessmentId: d.assessmentId,
          patientId: d.patientId,
          colour: colours[d.colour],
          previousColour: d.previousColour ? colours[d.previousColour] : commonV1.Colour.COLOUR_UNSPECIFIED,
          reasons: d.reasons.map((r) => ({
            ruleId: r.ruleId,
            text: r.text,
            code: { system: r.code.system, code: r.code.code, display: '' },
            value: r.value,
            unit: r.unit,
            threshold: r.threshold,
            inputEventId: r.inputEventId,
            effectiveTime: new Date(r.effectiveTime),
          })),
          provenance: {
            ...d.provenance,
            inputs: d.provenance.inputs.map((i) => ({ eventId: i.eventId, source: i.source, position: Number(i.position) })),
          },
          assessedAt: new Date(d.assessedAt),
        }),
      });
    }
    case 'PatientRegisteredForTriage':
    case 'TriageInputRecorded':
      return undefined;
    default: {
      const _exhaustive: never = e;
      return undefined;
    }
  }
}
