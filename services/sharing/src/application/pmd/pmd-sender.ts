import { Inject, Injectable } from '@nestjs/common';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { MetricsRegistry } from '@varde/telemetry';
import { MalformedBatchResponse, nextAttemptAt, pmdBatch, readBatchResponse, type PatientIdentifier } from '../../domain/pmd/pmd-batch';
import { PMD_RECEIVER } from '../../domain/pmd/sharing-coverage';
import { Consents } from '../consents.port';
import { PatientIdentities, PmdGateway, PmdOutbox, type ClaimedObservation } from './pmd.ports';
import { PMD_SETTINGS, type PmdSettings } from './pmd-settings';

/** What one round of sending did, by outcome. */
export type SendRound = { sent: number; retried: number; deadLettered: number; withheld: number };

/**
 * Sends the PMD queue: claims what is due, drops what the patient's consents no longer allow (withdrawn or
 * blocked: nothing more goes, queued or not), names each patient by national id, posts one batch Bundle and
 * records each entry's fate — stored; rejected by PMD (dead letter with PMD's reason, the rest of the batch is
 * unaffected); or to try again with back-off that honours `Retry-After`, dead-lettered after the configured
 * number of tries. A malformed answer or an unreachable PMD retries the whole batch (a resend is harmless:
 * conditional create/update by the measurement's identifier). Runs every PMD_SEND_INTERVAL_MS.
 */
@Injectable()
export class PmdSender extends IntervalJob {
  protected readonly jobName = 'PMD send';
  protected readonly intervalMs: number;

  constructor(
    @Inject(PmdOutbox) private readonly outbox: PmdOutbox,
    @Inject(Consents) private readonly consents: Consents,
    @Inject(PatientIdentities) private readonly identities: PatientIdentities,
    @Inject(PmdGateway) private readonly gateway: PmdGateway,
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

  /** Sends what is due at `now`, batch after batch, until nothing is due. */
  async sendDue(now: Date): Promise<SendRound> {
    const round: SendRound = { sent: 0, retried: 0, deadLettered: 0, withheld: 0 };
    for (;;) {
      const claimed = await this.outbox.claimDue(now, this.settings.batchSize, this.settings.leaseMs);
      if (claimed.length === 0) return round;
      await this.sendBatch(claimed, now, round);
      if (claimed.length < this.settings.batchSize) return round;
    }
  }

  private async sendBatch(claimed: readonly ClaimedObservation[], now: Date, round: SendRound): Promise<void> {
    const ready: (ClaimedObservation & { subject: PatientIdentifier })[] = [];
    for (const [patientId, items] of groupBy(claimed, (c) => c.patientId)) {
      try {
        const coverage = await this.consents.coverage(patientId, PMD_RECEIVER, 'measurements', now);
        if (!coverage.permitted) {
          round.withheld += await this.outbox.withhold(patientId, coverage.reason);
          this.count('withheld', items.length);
          continue;
        }
        const subject = await this.identities.nationalIdOf(patientId);
        if (!subject) {
          await this.deadLetter(items, 'pathways keeps no national identity number for the patient (enrolled before ids were kept?)', round);
          continue;
        }
        ready.push(...items.map((item) => ({ ...item, subject })));
      } catch (error) {
        // One patient's trouble (pathways away, the database busy) holds back only that patient's changes, and only
        // for the back-off, not for the whole claim lease.
        this.jobLogger.warn({ err: error, patientId }, 'PMD: could not prepare a patient\'s changes; tried again with back-off');
        await this.retry(items, error instanceof Error ? error.message : String(error), round);
      }
    }
    if (ready.length === 0) return;

    const answer = await this.gateway.sendBatch(pmdBatch(ready));
    switch (answer.kind) {
      case 'answered': {
        let outcomes;
        try {
          outcomes = readBatchResponse(answer.body, ready.length);
        } catch (error) {
          if (!(error instanceof MalformedBatchResponse)) throw error;
          this.jobLogger.warn({ err: error, entries: ready.length }, 'PMD answered a malformed batch-response; the batch is sent again');
          return this.retry(ready, error.message, round);
        }
        const stored = ready.filter((_, i) => outcomes[i]!.kind === 'stored');
        await this.outbox.markSent(stored);
        round.sent += stored.length;
        this.count('sent', stored.length);
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome.kind === 'rejected') await this.deadLetter([ready[i]!], `PMD rejected the Observation: ${outcome.reason}`, round);
          if (outcome.kind === 'retry') await this.retry([ready[i]!], outcome.reason, round);
        }
        return;
      }
      case 'unavailable':
        this.jobLogger.warn({ reason: answer.reason, entries: ready.length }, 'PMD is unavailable; the batch is retried with back-off');
        return this.retry(ready, answer.reason, round, answer.retryAfterMs);
      case 'unauthorized':
        // The gateway already renewed the token once: the client, its key or its scopes need an operator.
        this.jobLogger.error({ reason: answer.reason, alert: 'pmd-unauthorized' }, 'PMD refused Varde\'s HelseID token after a renewal: check the HelseID client, its key and scopes');
        this.metrics.counter('varde_pmd_auth_failures_total', 'Batches PMD refused as unauthorised after one token renewal (operator alert).').inc();
        return this.retry(ready, answer.reason, round);
      case 'refused':
        this.jobLogger.error({ reason: answer.reason }, 'PMD refused the whole batch');
        return this.retry(ready, answer.reason, round);
      default: {
        const _exhaustive: never = answer;
        return _exhaustive;
      }
    }
  }

  private async retry(items: readonly ClaimedObservation[], reason: string, round: SendRound, retryAfterMs?: number): Promise<void> {
    for (const item of items) {
      // From when the answer came, not from the start of the round: Retry-After counts from the response.
      const at = nextAttemptAt(item.attempts + 1, Date.now(), this.settings.retry, retryAfterMs);
      if (at === undefined) {
        await this.deadLetter([item], `gave up after ${item.attempts + 1} tries: ${reason}`, round);
        continue;
      }
      await this.outbox.retryAt([item], new Date(at), reason);
      round.retried++;
      this.count('retried', 1);
    }
  }

  private async deadLetter(items: readonly ClaimedObservation[], reason: string, round: SendRound): Promise<void> {
    await this.outbox.deadLetter(items, reason);
    round.deadLettered += items.length;
    this.count('dead_lettered', items.length);
    this.jobLogger.warn({ measurementIds: items.map((i) => i.measurementId), reason }, 'PMD: dead-lettered');
  }

  private count(outcome: 'sent' | 'retried' | 'dead_lettered' | 'withheld', n: number): void {
    if (n > 0) this.metrics.counter('varde_pmd_observations_total', 'Measurement changes for Pasientens måledata, by outcome.', ['outcome']).inc({ outcome }, n);
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
