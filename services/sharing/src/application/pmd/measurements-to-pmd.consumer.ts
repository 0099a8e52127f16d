import { Inject, Injectable } from '@nestjs/common';
import type { IntegrationEvent } from '@varde/contracts';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { MetricsRegistry } from '@varde/telemetry';
import { amendedObservation, enteredInErrorObservation, pmdObservation, type SharedMeasurement } from '../../domain/pmd/pmd-observation';
import { PMD_RECEIVER } from '../../domain/pmd/sharing-coverage';
import { Consents } from '../consents.port';
import { PmdOutbox } from './pmd.ports';
import { PMD_SETTINGS, type PmdSettings } from './pmd-settings';

type Recorded = IntegrationEvent<'varde.measurements.v1.MeasurementRecorded'>;

/**
 * Queues measurements for Pasientens måledata: a new measurement of a patient whose consents let measurements go to
 * the municipality and GP when it arrives (else it is held until a consent starts, and sent then if recorded since
 * the enrolment started), and every later correction or entered-in-error of one that was queued or held.
 * Measurements that came from PMD (recorded by sharing itself, the gateway of PMD in) are never sent back. A consent
 * change that ends the sharing (withdrawal, a block) drops the patient's queue.
 */
@Injectable()
export class MeasurementsToPmdConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(PmdOutbox) private readonly outbox: PmdOutbox,
    @Inject(Consents) private readonly consents: Consents,
    @Inject(PMD_SETTINGS) private readonly settings: PmdSettings,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'pmd-out',
      // Most messages here change nothing or write one row: many patients' share a transaction and its commit.
      runs: 'across-patients',
      // Every measurement passes here and nobody waits on it: fetched in bigger runs (up to 200 ms later).
      background: true,
      topics: ['varde.measurements.v1', 'varde.sharing.v1'],
      handlers: {
        // A withdrawal or a new block drops what is queued at once, whatever the sender is doing; a consent that
        // starts the sharing sends the back catalogue (what was held or withheld since the enrolment started).
        'varde.sharing.v1.ConsentChanged': async (event, _message, { client, run }) => {
          this.consents.forgetInRun(event.patientId, run);
          const coverage = await this.consents.coverage(event.patientId, PMD_RECEIVER, 'measurements');
          if (!coverage.permitted) await this.outbox.withhold(event.patientId, coverage.reason);
          else await this.outbox.release(client, event.patientId);
        },
        'varde.measurements.v1.MeasurementRecorded': async (event, _message, { client, run }) => {
          if (event.provenance?.gatewayId === this.infra.config.serviceIdentity.clientId) return this.skip('from-pmd');
          const item = { measurementId: event.measurementId, patientId: event.patientId, observation: pmdObservation(sharedMeasurement(event), this.settings.organisationNumber) };
          const coverage = await this.consents.coverage(event.patientId, PMD_RECEIVER, 'measurements', new Date(), run);
          if (coverage.permitted) return this.outbox.queue(client, item);
          this.skip('not-consented');
          await this.outbox.hold(client, item);
        },
        'varde.measurements.v1.MeasurementCorrected': async (event, _message, { client }) => {
          const previous = await this.outbox.latest(client, event.measurementId);
          if (!previous) return;
          await this.outbox.queue(client, { measurementId: event.measurementId, patientId: event.patientId, observation: amendedObservation(previous, { value: event.value, unit: event.unit }, event.reason) });
        },
        'varde.measurements.v1.MeasurementEnteredInError': async (event, _message, { client }) => {
          const previous = await this.outbox.latest(client, event.measurementId);
          if (!previous) return;
          await this.outbox.queue(client, { measurementId: event.measurementId, patientId: event.patientId, observation: enteredInErrorObservation(previous, event.reason) });
        },
      },
    };
  }

  private skip(reason: 'from-pmd' | 'not-consented'): void {
    this.metrics.counter('varde_pmd_measurements_not_shared_total', 'Measurements not queued for Pasientens måledata, by reason.', ['reason']).inc({ reason });
  }
}

/** What PMD is sent of a MeasurementRecorded: the value and unit as measured, the device, the panel parts. */
function sharedMeasurement(event: Recorded): SharedMeasurement {
  const p = event.provenance;
  const asMeasured = (value: number, unit: string, originalValue: number, originalUnit: string) => (originalUnit ? { value: originalValue, unit: originalUnit } : { value, unit });
  const device = p && (p.deviceIdentifier || p.deviceModel || p.deviceSerial || p.deviceManufacturer || p.deviceId)
    ? { identifier: p.deviceIdentifier || p.deviceId || undefined, model: p.deviceModel || undefined, serial: p.deviceSerial || undefined, manufacturer: p.deviceManufacturer || undefined }
    : undefined;
  return {
    measurementId: event.measurementId,
    patientId: event.patientId,
    code: event.code?.code ?? '',
    ...(event.code?.display ? { display: event.code.display } : {}),
    quantity: asMeasured(event.value, event.unit, event.originalValue, event.originalUnit),
    components: event.components.map((c) => ({ code: c.code?.code ?? '', ...(c.code?.display ? { display: c.code.display } : {}), quantity: asMeasured(c.value, c.unit, c.originalValue, c.originalUnit) })),
    effectiveTime: (event.effectiveTime ?? new Date(0)).toISOString(),
    receivedTime: (event.receivedTime ?? event.effectiveTime ?? new Date(0)).toISOString(),
    ...(device ? { device } : {}),
  };
}
