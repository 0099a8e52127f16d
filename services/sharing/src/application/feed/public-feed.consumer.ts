import { Inject, Injectable } from '@nestjs/common';
import { publicEventDomain, type IntegrationEvent } from '@varde/contracts';
import type { Transaction } from '@varde/event-sourcing';
import type { ConsumerContext, ConsumerRun, DeliveredMessage } from '@varde/messaging';
import { INFRASTRUCTURE, IntegrationConsumer, type ConsumerDefinition, type Infrastructure } from '@varde/platform';
import { MetricsRegistry } from '@varde/telemetry';
import { feedReceivers } from '../../domain/feed/feed-receivers';
import { Consents } from '../consents.port';
import { PatientIdentities } from '../pmd/pmd.ports';
import { FEED_CATEGORY, forReceiver, publicEventOf, type FeedSourceType } from './public-event-mapping';
import { FeedDeliveries, PublicFeed } from './public-feed.ports';

/**
 * The public event feed for other health trusts (ADR 0020): tells each trust a patient's consent names, and only
 * while it names it, of the patient's enrolments, measurements, triage results and form scores, on the trust's own
 * topics; with the national identity number only where every permit for that trust allows it. The consent is read
 * when each run of events is handled (once per patient in the run), so a withdrawal stops the feed for that trust
 * from the next run on — milliseconds later.
 */
@Injectable()
export class PublicFeedConsumer extends IntegrationConsumer {
  constructor(
    @Inject(INFRASTRUCTURE) infra: Infrastructure,
    @Inject(PublicFeed) private readonly feed: PublicFeed,
    @Inject(FeedDeliveries) private readonly deliveries: FeedDeliveries,
    @Inject(Consents) private readonly consents: Consents,
    @Inject(PatientIdentities) private readonly identities: PatientIdentities,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
  ) {
    super(infra);
  }

  protected override definition(): ConsumerDefinition {
    const forward =
      <K extends FeedSourceType>(type: K) =>
      (event: IntegrationEvent<K>, message: DeliveredMessage, { client, run }: ConsumerContext) =>
        this.forward(type, event, message, client, run);
    return {
      group: 'public-feed',
      // Most messages here change nothing or write one row: many patients' share a transaction and its commit.
      runs: 'across-patients',
      // Every measurement passes here and nobody waits on it: fetched in bigger runs (up to 200 ms later).
      background: true,
      topics: ['varde.pathways.v1', 'varde.measurements.v1', 'varde.triage.v1', 'varde.forms.v1'],
      handlers: {
        'varde.pathways.v1.PatientEnrolled': forward('varde.pathways.v1.PatientEnrolled'),
        'varde.pathways.v1.PatientDischarged': forward('varde.pathways.v1.PatientDischarged'),
        'varde.measurements.v1.MeasurementRecorded': forward('varde.measurements.v1.MeasurementRecorded'),
        'varde.measurements.v1.MeasurementCorrected': forward('varde.measurements.v1.MeasurementCorrected'),
        'varde.measurements.v1.MeasurementEnteredInError': forward('varde.measurements.v1.MeasurementEnteredInError'),
        'varde.triage.v1.PatientTriaged': forward('varde.triage.v1.PatientTriaged'),
        'varde.forms.v1.QuestionnaireResponseSubmitted': forward('varde.forms.v1.QuestionnaireResponseSubmitted'),
      },
    };
  }

  private async forward<K extends FeedSourceType>(type: K, event: IntegrationEvent<K>, message: DeliveredMessage, tx: Transaction, run: ConsumerRun | undefined): Promise<void> {
    const published = publicEventOf(type, event);
    if (!published) return;
    const domain = publicEventDomain(published.type);
    const patientId = (event as { patientId: string }).patientId;
    const consents = (await this.consents.ofPatientInRun(patientId, run)).map((c) => c.current.terms);
    const receivers = feedReceivers(consents, FEED_CATEGORY[domain], new Date().toISOString());
    if (receivers.length === 0) return;
    let nationalId: string | undefined;
    if (receivers.some((r) => r.includeNationalId)) {
      nationalId = (await this.identities.nationalIdOf(patientId))?.value;
      // The consent allows the national id but pathways keeps none (enrolled before ids were kept): the event goes without it.
      if (nationalId === undefined) this.infra.logger.warn({ patientId }, 'public feed: no national id kept for the patient; sent without it');
    }
    await this.feed.publish(
      receivers.map((r) => ({ trust: r.trust, id: message.id, key: patientId, time: message.time, correlationId: message.correlationId, event: forReceiver(published, r.includeNationalId ? nationalId : undefined) })),
    );
    await this.deliveries.record(tx, receivers.map((r) => r.trust), domain);
    const delivered = this.metrics.counter('varde_public_feed_events_total', 'Events delivered on the public feed, by trust and domain.', ['trust', 'domain']);
    for (const r of receivers) delivered.inc({ trust: r.trust, domain });
  }
}
