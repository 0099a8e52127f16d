import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DB_POOL } from '@varde/platform';
import type pg from 'pg';
import { Observable, share } from 'rxjs';
import { ALERTS_CONFIG, type AlertsConfig } from '../application/alerts.config';
import { WorklistChanges } from '../application/worklist-changes.port';

// How many of the newest change numbers the mark adds up.
const RECENT = 256;

// One number that moves whenever a worklist row or an alert changes. A trigger on both tables gives the row a new
// change number from one sequence on every write (migration 0002); the mark sums the newest ${RECENT}, read
// backwards from their index: a cost that does not grow with the tables. A sum rather than the maximum, because a
// write that drew its number before another but commits after it would leave the maximum unmoved; it still moves
// the sum unless ${RECENT} newer writes committed meanwhile (and those moved the mark).
const CHANGE_MARK = `SELECT coalesce(sum(change_seq), 0)::text AS mark
  FROM (SELECT change_seq FROM worklist_changes ORDER BY change_seq DESC LIMIT ${RECENT}) recent`;

/**
 * Tells listeners that the worklist changed (a colour, a reason, an alert's state), without saying whose: each
 * listener reads the worklist again through the authorised, access-logged query. One check of the read models
 * every `TRIAGE_WORKLIST_CHANGES_INTERVAL_MS` (default 500 ms, from the triage configuration) serves every listener
 * of this replica, and only while there is one; changes written by other replicas are seen too, as the check reads
 * the shared tables.
 */
@Injectable()
export class PostgresWorklistChanges extends WorklistChanges implements OnModuleDestroy {
  private readonly changes$: Observable<string>;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(DB_POOL) private readonly pool: pg.Pool,
    @Inject(ALERTS_CONFIG) config: AlertsConfig,
  ) {
    super();
    this.changes$ = new Observable<string>((subscriber) => {
      let last: string | undefined;
      let busy = false;
      const check = async (): Promise<void> => {
        if (busy) return;
        busy = true;
        try {
          const { rows } = await this.pool.query<{ mark: string }>(CHANGE_MARK);
          const mark = rows[0]?.mark ?? '';
          if (last !== undefined && mark !== last) subscriber.next(mark);
          last = mark;
        } catch {
          // A failed check is retried at the next tick; listeners keep their connection.
        } finally {
          busy = false;
        }
      };
      void check();
      const timer = setInterval(() => void check(), config.worklistChangesIntervalMs);
      this.timers.add(timer);
      return () => {
        clearInterval(timer);
        this.timers.delete(timer);
      };
    }).pipe(share());
  }

  /** Emits (an opaque mark) each time the worklist or an alert changed; nothing about which patient. */
  override changes(): Observable<string> {
    return this.changes$;
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }
}
