import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { inTransaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
import type { ConsumerRun } from '@varde/messaging';
import type pg from 'pg';
import { NextCheckProjection } from '../infrastructure/next-check.projection';
import { TriageHistoryProjection } from '../infrastructure/triage-history.projection';
import { WorklistProjection } from '../infrastructure/worklist.projection';
import { AlertHandler } from './alert.handler';
import type { TriageOutcome } from './triage.handler';

/**
 * Everything that follows a triage command, in one transaction: the worklist row, the input history the
 * what-if reads, the next missing-report check, and an alert when the outcome in force now moved to yellow or red (a revised past point is on record
 * in the patient's history for the audit, but does not page anyone).
 */
@Injectable()
export class TriageOutcomeRecorder {
  constructor(
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject(WorklistProjection) private readonly worklist: WorklistProjection,
    @Inject(NextCheckProjection) private readonly nextChecks: NextCheckProjection,
    @Inject(TriageHistoryProjection) private readonly histories: TriageHistoryProjection,
    @Inject(AlertHandler) private readonly alerts: AlertHandler,
  ) {}

  /**
   * Records the outcome with `client`, inside the caller's transaction. In a run of one patient's messages the
   * input history and the next check are written once, at the end of the run (the history in one statement,
   * the next check of the last outcome: the earlier ones would only be overwritten).
   */
  async record(client: pg.PoolClient, outcome: TriageOutcome, metadata: CommandMetadata, run?: ConsumerRun): Promise<void> {
    await this.worklist.apply(client, outcome.events);
    if (run) {
      const deferred = run.shared(`triage-projections:${outcome.patientId}`, () => {
        const value = { events: [] as TriageOutcome['events'][number][], last: outcome };
        return {
          value,
          finish: async () => {
            await this.histories.applyAll(client, value.events);
            await this.nextChecks.apply(client, value.last);
          },
        };
      });
      deferred.events.push(...outcome.events);
      deferred.last = outcome;
    } else {
      await this.histories.apply(client, outcome.events);
      await this.nextChecks.apply(client, outcome);
    }
    for (const { event } of outcome.events) {
      if (event.type === 'PatientTriaged' && event.data.current !== false) await this.alerts.onTriaged(client, event, metadata);
    }
  }

  /** Records the outcome in a transaction of its own (commands that do not come from a message). */
  recordAlone(outcome: TriageOutcome, metadata: CommandMetadata): Promise<void> {
    return inTransaction(this.pool, (client) => this.record(client, outcome, metadata));
  }

}
