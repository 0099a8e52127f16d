import { integrationEventTypes } from '@varde/contracts';
import type { RecordedEvent } from '@varde/event-sourcing';
import { integrationMessageFor, type IntegrationMessage } from '@varde/messaging';
import type { MeasurementEvent } from '../domain/measurement.events';

const MEASUREMENT_RECORDED = 'varde.measurements.v1.MeasurementRecorded';

/** Publishes recorded measurements, keyed by patient. */
export function measurementsIntegrationMapping(event: RecordedEvent): IntegrationMessage | undefined {
  const e = event as RecordedEvent<MeasurementEvent>;
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
          provenance: { method: d.provenance.method, deviceId: d.provenance.deviceId ?? '', organisation: d.provenance.organisation ?? '' },
        }),
      });
    }
    default:
      return undefined;
  }
}
