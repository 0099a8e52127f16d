import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError, NotFoundError } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { ALERTS_CONFIG, type AlertsConfig } from './alerts.config';
import { NextCheckProjection } from './next-checks.port';
import { TriageHandler } from './triage.handler';

const CHECKER = { subject: 'varde-triage-missing-reports', role: 'system' } as const;
const BATCH = 500;

/**
 * Assesses each patient whose missing-report check is due, at exactly the due moment (so the decision is the
 * same whenever it runs and on replay). The command id is derived from (patient, moment): two replicas or a
 * restart write it once.
 */
@Injectable()
export class MissingReportScheduler extends IntervalJob {
  protected readonly jobName = 'missing-report check';
  protected readonly intervalMs: number;

  constructor(
    @Inject(NextCheckProjection) private readonly nextChecks: NextCheckProjection,
    @Inject(TriageHandler) private readonly triage: TriageHandler,
    @Inject(ALERTS_CONFIG) config: AlertsConfig,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
    this.intervalMs = config.missingReportIntervalMs;
  }

  protected runOnce(now: Date): Promise<number> {
    return this.checkDue(now);
  }

  /** Assesses every patient due at `now`; answers how many were checked. */
  async checkDue(now: Date): Promise<number> {
    let checked = 0;
    for (const { patientId, dueAt } of await this.nextChecks.due(now, BATCH)) {
      const commandId = deterministicId(`missing-report-check:${patientId}:${dueAt}`);
      const metadata = { commandId, correlationId: commandId, actor: CHECKER, now: now.toISOString() };
      try {
        await this.triage.assessAndRecord(patientId, { checkAt: dueAt }, metadata);
        checked++;
      } catch (error) {
        if (error instanceof ConcurrencyError) continue; // another replica got there first; the next run sees its result
        if (error instanceof NotFoundError) {
          // No longer enrolled (or the rule set is gone): nothing to check until new data arrives.
          await this.nextChecks.forget(patientId);
          continue;
        }
        throw error;
      }
    }
    return checked;
  }
}
