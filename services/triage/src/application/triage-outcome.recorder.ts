import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import { inTransaction } from '@varde/event-sourcing';
import { DB_POOL } from '@varde/platform';
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

  /** Records the outcome with `client`, inside the caller's transaction. */
  async record(client: pg.PoolClient, outcome: TriageOutcome, metadata: CommandMetadata): Promise<void> {
    await this.worklist.apply(client, outcome.events);
    await this.histories.apply(client, outcome.events);
    await this.nextChecks.apply(client, outcome);
    for (const { event } of outcome.events) {
      if (event.type === 'PatientTriaged' && event.data.current !== false) await this.alerts.onTriaged(client, event, metadata);
    }
  }

  /** Records the outcome in a transaction of its own (commands that do not come from a message). */
  recordAlone(outcome: TriageOutcome, metadata: CommandMetadata): Promise<void> {
    return inTransaction(this.pool, (client) => this.record(client, outcome, metadata));
  }

}
