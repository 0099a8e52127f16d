import { Inject, Injectable } from '@nestjs/common';
import { ConcurrencyError } from '@varde/core';
import { deterministicId } from '@varde/event-sourcing';
import { IntervalJob, LOGGER, type Logger } from '@varde/platform';
import { AlertHandler } from './alert.handler';
import { ALERTS_CONFIG, redLimitFor, type AlertsConfig } from './alerts.config';
import { AlertsProjection } from './alerts.port';

const ESCALATOR = { subject: 'varde-triage-escalation', role: 'system' } as const;

/**
 * Every interval, escalates each open red alert past its acknowledgement deadline by one level. The command
 * id is derived from (alert, level), so two replicas or a restart racing on the same alert write it once.
 */
@Injectable()
export class AlertEscalationScheduler extends IntervalJob {
  protected readonly jobName = 'escalation run';
  protected readonly intervalMs: number;

  constructor(
    @Inject(AlertsProjection) private readonly alertRows: AlertsProjection,
    @Inject(AlertHandler) private readonly alerts: AlertHandler,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    @Inject(LOGGER) protected readonly jobLogger: Logger,
  ) {
    super();
    this.intervalMs = config.escalationIntervalMs;
  }

  protected runOnce(now: Date): Promise<number> {
    return this.escalateOverdue(now);
  }

  /** Escalates every alert overdue at `now`; answers how many escalated. */
  async escalateOverdue(now: Date): Promise<number> {
    let escalated = 0;
    for (const { alertId, pathwayId, escalationLevel: current } of await this.alertRows.overdue(now, 500)) {
      const level = current + 1;
      const commandId = deterministicId(`escalate-alert:${alertId}:${level}`);
      try {
        const events = await this.alerts.handle({
          type: 'EscalateAlert',
          data: { alertId, level, chain: this.config.escalationChain, limitSeconds: redLimitFor(this.config, pathwayId) },
          metadata: { commandId, correlationId: commandId, actor: ESCALATOR, now: now.toISOString() },
        });
        escalated += events.length;
      } catch (error) {
        // Another replica wrote this level first; the next run reads the new state.
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    return escalated;
  }
}
