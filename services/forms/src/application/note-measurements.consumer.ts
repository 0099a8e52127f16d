import { Inject, Injectable } from '@nestjs/common';
import { commandMetadataFromMessage, INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import type { CatalogueState } from '../domain/questionnaire-catalogue.events';
import { EXT, extensionsOf, walkItems } from './form-items';
import { PatientFactsHandler } from './patient-facts.handler';
import { QuestionnaireCatalogueQuery } from './questionnaire-catalogue.query';

/**
 * Keeps the latest measurement of each code a questionnaire item links to (SDC observationLinkPeriod, e.g. body
 * weight in the pre-visit form), so forms can pre-fill it; other measurements are not kept.
 */
@Injectable()
export class NoteMeasurementsConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(PatientFactsHandler) private readonly facts: PatientFactsHandler,
    @Inject(QuestionnaireCatalogueQuery) private readonly catalogue: QuestionnaireCatalogueQuery,
  ) {
    super(infra);
  }

  /** The linked codes as of a catalogue state: recomputed only when the catalogue changed, not for every measurement. */
  private linked: { catalogue: CatalogueState; codes: ReadonlySet<string> } | undefined;

  /** The codes linked by an item of an active questionnaire, as `system|code`. */
  private async linkedCodes(): Promise<ReadonlySet<string>> {
    const catalogue = await this.catalogue.state();
    if (this.linked?.catalogue !== catalogue) {
      const active = await this.catalogue.search({ status: 'active' });
      const codes = new Set(
        active.flatMap((e) => [...walkItems(e.resource.item)].filter(([item]) => extensionsOf(item, EXT.observationLinkPeriod).length > 0).flatMap(([item]) => (item.code ?? []).map((c) => `${c.system}|${c.code}`))),
      );
      this.linked = { catalogue, codes };
    }
    return this.linked.codes;
  }

  protected override definition(): ConsumerDefinition {
    return {
      group: 'prefill-measurements',
      // Most messages here change nothing or write one row: many patients' share a transaction and its commit.
      runs: 'across-patients',
      // Every measurement passes here and nobody waits on it: fetched in bigger runs (up to 200 ms later).
      background: true,
      topics: ['varde.measurements.v1'],
      handlers: {
        'varde.measurements.v1.MeasurementRecorded': async (event, message, context) => {
          const code = event.code;
          if (!code?.code || !event.patientId || !event.effectiveTime) return;
          // The catalogue is read once per run of messages, not once per measurement.
          const linked = context.run ? context.run.memo('prefill-linked-codes', () => this.linkedCodes()) : this.linkedCodes();
          if (!(await linked).has(`${code.system}|${code.code}`)) return;
          await this.facts.note({
            type: 'NoteMeasurement',
            data: { patientId: event.patientId, measurementId: event.measurementId, system: code.system, code: code.code, value: event.value, unit: event.unit, effectiveTime: event.effectiveTime.toISOString() },
            metadata: commandMetadataFromMessage(message, context.groupId),
          });
        },
      },
    };
  }
}
