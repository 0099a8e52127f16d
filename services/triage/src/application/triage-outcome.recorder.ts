import { Inject, Injectable } from '@nestjs/common';
import type { CommandMetadata } from '@varde/core';
import type { Transaction } from '@varde/event-sourcing';
import type { ConsumerRun } from '@varde/messaging';
import { AlertHandler } from './alert.handler';
import { NextCheckProjection } from './next-checks.port';
import { TriageHistoryProjection } from './triage-history.port';
import type { TriageOutcome } from './triage-outcome';
import { WorklistProjection } from './worklist.port';

/**
 * Everything that follows a triage command, in one transaction: the worklist row, the input history the
 * what-if reads, the next missing-report check, and an alert when the outcome in force now moved to yellow or red (a revised past point is on record
 * in the patient's history for the audit, but does not page anyone).
 */
@Injectable()
export class TriageOutcomeRecorder {
  constructor(
    @Inject(WorklistProjection) private readonly worklist: WorklistProjection,
    @Inject(NextCheckProjection) private readonly nextChecks: NextCheckProjection,
    @Inject(TriageHistoryProjection) private readonly histories: TriageHistoryProjection,
    @Inject(AlertHandler) private readonly alerts: AlertHandler,
  ) {}

  /**
   * Records the outcome in `tx`, inside the caller's transaction. In a run of one patient's messages the
   * input history and the next check are written once, at the end of the run (the history in one statement,
   * the next check of the last outcome: the earlier ones would only be overwritten).
   */
  async record(tx: Transaction, outcome: TriageOutcome, metadata: CommandMetadata, run?: ConsumerRun): Promise<void> {
    await this.worklist.apply(tx, outcome.events);
    if (run) {
      const deferred = run.shared(`triage-projections:${outcome.patientId}`, () => {
        const value = { events: [] as TriageOutcome['events'][number][], last: outcome };
        return {
          value,
          finish: async () => {
            await this.histories.applyAll(tx, value.events);
            await this.nextChecks.apply(tx, value.last);
          },
        };
      });
      deferred.events.push(...outcome.events);
      deferred.last = outcome;
    } else {
      await this.histories.apply(tx, outcome.events);
      await this.nextChecks.apply(tx, outcome);
    }
    for (const { event } of outcome.events) {
      if (event.type === 'PatientTriaged' && event.data.current !== false) await this.alerts.onTriaged(tx, event, metadata);
    }
  }
}
