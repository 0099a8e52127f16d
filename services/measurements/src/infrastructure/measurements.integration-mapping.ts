import { actorToProto, integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { CorrectionNote, MeasurementHistoryEvent, Provenance } from '../domain/measurement.events';
import type { SampleChunkEvent } from '../domain/sample-chunk.events';
import type { WindowAggregateEvent } from '../domain/window-aggregate.events';

const MEASUREMENT_RECORDED = 'varde.measurements.v1.MeasurementRecorded';
const MEASUREMENT_CORRECTED = 'varde.measurements.v1.MeasurementCorrected';
const MEASUREMENT_ENTERED_IN_ERROR = 'varde.measurements.v1.MeasurementEnteredInError';
const MEASUREMENT_WINDOW_AGGREGATED = 'varde.measurements.v1.MeasurementWindowAggregated';

/** Who corrected, when and why, as the integration events carry it. */
const correctionOf = (d: CorrectionNote) => ({
  correctedTime: new Date(d.correctedTime),
  reason: d.reason,
  actor: actorToProto(d.actor),
});

/** How a measurement was obtained, as the integration event carries it (absent parts as empty strings). */
const provenanceOf = (p: Provenance, enteredByRole: string) => ({
  method: p.method,
  deviceId: p.deviceId ?? '',
  organisation: p.organisation ?? '',
  deviceIdentifier: p.device?.identifier ? `${p.device.identifier.system}|${p.device.identifier.value}` : '',
  deviceModel: p.device?.model ?? '',
  deviceSerial: p.device?.serial ?? '',
  deviceManufacturer: p.device?.manufacturer ?? '',
  gatewayId: p.gateway ?? '',
  enteredByRole,
});

/** Publishes recorded measurements and stream window aggregates, keyed by patient; stream chunks stay private (too large to fan out). */
export function measurementsIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<MeasurementHistoryEvent | WindowAggregateEvent | SampleChunkEvent>;
  switch (e.type) {
    case 'MeasurementRecorded': {
      const d = e.data;
      return integrationMessageFor('measurements', e, {
        type: MEASUREMENT_RECORDED,
        key: d.patientId,
        payload: integrationEventTypes[MEASUREMENT_RECORDED].encode({
          measurementId: d.measurementId,
          patientId: d.patientId,
          code: d.code,
          value: d.value,
          unit: d.unit,
          originalValue: d.originalValue,
          originalUnit: d.originalUnit,
          effectiveTime: new Date(d.effectiveTime),
          receivedTime: new Date(d.receivedTime),
          provenance: provenanceOf(d.provenance, e.metadata.actor.role),
          flags: [...(d.flags ?? [])],
          components: (d.components ?? []).map((c) => ({ code: c.code, value: c.value, unit: c.unit, originalValue: c.originalValue, originalUnit: c.originalUnit })),
        }),
      });
    }
    case 'MeasurementCorrected': {
      const d = e.data;
      return integrationMessageFor('measurements', e, {
        type: MEASUREMENT_CORRECTED,
        key: d.patientId,
        payload: integrationEventTypes[MEASUREMENT_CORRECTED].encode({
          measurementId: d.measurementId,
          patientId: d.patientId,
          code: d.code,
          value: d.value,
          unit: d.unit,
          previousValue: d.previousValue,
          effectiveTime: new Date(d.effectiveTime),
          ...correctionOf(d),
        }),
      });
    }
    case 'MeasurementEnteredInError': {
      const d = e.data;
      return integrationMessageFor('measurements', e, {
        type: MEASUREMENT_ENTERED_IN_ERROR,
        key: d.patientId,
        payload: integrationEventTypes[MEASUREMENT_ENTERED_IN_ERROR].encode({
          measurementId: d.measurementId,
          patientId: d.patientId,
          code: d.code,
          effectiveTime: new Date(d.effectiveTime),
          ...correctionOf(d),
        }),
      });
    }
    case 'MeasurementWindowAggregated': {
      const { windowStart, windowEnd, threshold, chunkIds, ...d } = e.data;
      return integrationMessageFor('measurements', e, {
        type: MEASUREMENT_WINDOW_AGGREGATED,
        key: d.patientId,
        payload: integrationEventTypes[MEASUREMENT_WINDOW_AGGREGATED].encode({
          ...d,
          windowStart: new Date(windowStart),
          windowEnd: new Date(windowEnd),
          hasThreshold: threshold !== undefined,
          threshold: threshold ?? 0,
          chunkIds: [...chunkIds],
        }),
      });
    }
    default:
      // Chunks (MeasurementStreamChunkRecorded) and gateway assignments are not published.
      return undefined;
  }
}
