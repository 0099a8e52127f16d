import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { MetricsRegistry } from '@varde/telemetry';
import { selfCarePlanBatch, type PlanPdf } from '../../domain/care-plan/self-care-plan.fhir';
import { MalformedBatchResponse, nextAttemptAt, readBatchResponse, type PatientIdentifier } from '../../domain/pmd/pmd-batch';
import { MUNICIPALITY_AND_GP } from '../../domain/pmd/sharing-coverage';
import { Consents } from '../consents.port';
import { PatientIdentities, PmdGateway } from '../pmd/pmd.ports';
import { PMD_SETTINGS, type PmdSettings } from '../pmd/pmd-settings';
import { SelfCarePlanPdf, SelfCarePlans, type ClaimedPlan } from './self-care-plan.ports';

/** DI token of the {@link PmdGateway} self-care plans are sent to (the municipality's FHIR base, PMD's HelseID client). */
export const SELF_CARE_PLAN_GATEWAY = Symbol('SELF_CARE_PLAN_GATEWAY');

/** What became of a plan version in one try. */
type Outcome = 'sent' | 'retried' | 'dead_lettered' | 'withheld';

/**
 * Sends queued self-care plan versions: checks the patient's consents again (a version that may no longer go is
 * held back; a revocation always goes), names the patient by national id, renders the PDF and writes the CarePlan
 * and its DocumentReference in one batch. Stored: acknowledged. Rejected by the receiver: dead letter with its
 * reason. Unreachable, 429/5xx or a malformed answer: tried again with back-off honouring `Retry-After`, given up
 * after the configured tries. Runs every PMD_SEND_INTERVAL_MS with PMD's retry settings.
 */
@Injectable()
export class SelfCarePlanSender extends IntervalJob {
  protected readonly jobName = 'self-care plan send';
  protected readonly intervalMs: number;

  constructor(
    @Inject(SelfCarePlans) private readonly plans: SelfCarePlans,
    @Inject(Consents) private readonly consents: Consents,
    @Inject(PatientIdentities) private readonly identities: PatientIdentities,
    @Inject(SELF_CARE_PLAN_GATEWAY) private readonly gateway: PmdGateway,
    @Inject(SelfCarePlanPdf) private readonly pdf: SelfCarePlanPdf,
    @Inject(PMD_SETTINGS) private readonly settings: PmdSettings,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
    this.intervalMs = this.settings.sendIntervalMs;
  }

  protected runOnce(now: Date): Promise<unknown> {
    return this.sendDue(now);
  }

  /** Sends every version due at `now`, one batch per plan. */
  async sendDue(now: Date): Promise<Readonly<Record<Outcome, number>>> {
    const round: Record<Outcome, number> = { sent: 0, retried: 0, dead_lettered: 0, withheld: 0 };
    for (;;) {
      const claimed = await this.plans.claimDue(now, this.settings.batchSize, this.settings.leaseMs);
      for (const plan of claimed) {
        const outcome = await this.send(plan, now).catch(async (error: unknown) => {
          // Pathways away, the PDF or the database failing: this plan waits for the back-off, the others go on.
          this.jobLogger.warn({ err: error, enrolmentId: plan.enrolmentId }, 'self-care plan: could not be sent; tried again with back-off');
          return this.retry(plan, error instanceof Error ? error.message : String(error));
        });
        round[outcome]++;
        this.metrics.counter('varde_self_care_plans_total', 'Self-care plan versions for the municipality and GP, by outcome.', ['outcome']).inc({ outcome });
      }
      if (claimed.length < this.settings.batchSize) return round;
    }
  }

  private async send(plan: ClaimedPlan, now: Date): Promise<Outcome> {
    if (plan.content.status !== 'revoked') {
      const coverage = await this.consents.coverage(plan.patientId, MUNICIPALITY_AND_GP, 'enrolments', now);
      if (!coverage.permitted) {
        await this.plans.withheldAtSend(plan, coverage.reason);
        return 'withheld';
      }
    }
    const subject = await this.identities.nationalIdOf(plan.patientId);
    if (!subject) return this.deadLetter(plan, 'pathways keeps no national identity number for the patient');
    const pdf = plan.content.status === 'revoked' ? undefined : await this.renderPdf(plan, subject, now);
    const answer = await this.gateway.sendBatch(selfCarePlanBatch(plan.content, this.settings.organisationNumber, subject, pdf));
    switch (answer.kind) {
      case 'answered': {
        let outcomes;
        try {
          outcomes = readBatchResponse(answer.body, 2);
        } catch (error) {
          if (!(error instanceof MalformedBatchResponse)) throw error;
          return this.retry(plan, error.message);
        }
        const rejected = outcomes.find((o) => o.kind === 'rejected');
        if (rejected) return this.deadLetter(plan, `the receiver rejected the self-care plan: ${rejected.reason}`);
        const retry = outcomes.find((o) => o.kind === 'retry');
        if (retry) return this.retry(plan, retry.reason);
        await this.plans.markSent(plan);
        return 'sent';
      }
      case 'unavailable':
        return this.retry(plan, answer.reason, answer.retryAfterMs);
      case 'unauthorized':
        this.jobLogger.error({ reason: answer.reason, alert: 'self-care-plan-unauthorized' }, 'The municipality\'s FHIR server refused Varde\'s HelseID token after a renewal: check the HelseID client, its key and scopes');
        return this.retry(plan, answer.reason);
      case 'refused':
        return this.retry(plan, answer.reason);
      default: {
        const _exhaustive: never = answer;
        return _exhaustive;
      }
    }
  }

  private async renderPdf(plan: ClaimedPlan, patient: PatientIdentifier, now: Date): Promise<PlanPdf> {
    const bytes = await this.pdf.render(plan.content, { hospitalOrganisationNumber: this.settings.organisationNumber, patient, createdAt: now.toISOString() });
    return { base64: bytes.toString('base64'), size: bytes.length, sha1: createHash('sha1').update(bytes).digest('base64'), createdAt: now.toISOString() };
  }

  private async retry(plan: ClaimedPlan, reason: string, retryAfterMs?: number): Promise<Outcome> {
    const at = nextAttemptAt(plan.attempts + 1, Date.now(), this.settings.retry, retryAfterMs);
    if (at === undefined) return this.deadLetter(plan, `gave up after ${plan.attempts + 1} tries: ${reason}`);
    await this.plans.retryAt(plan, new Date(at), reason);
    return 'retried';
  }

  private async deadLetter(plan: ClaimedPlan, reason: string): Promise<Outcome> {
    await this.plans.deadLetter(plan, reason);
    this.jobLogger.warn({ enrolmentId: plan.enrolmentId, reason }, 'self-care plan: dead-lettered');
    return 'dead_lettered';
  }
}
