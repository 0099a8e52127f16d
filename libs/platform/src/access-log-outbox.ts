import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { UnavailableError, type AccessLogEntry } from '@varde/core';
import { inTransaction } from '@varde/database';
import { preparedStatement } from '@varde/event-sourcing';
import type { Logger, MetricsRegistry } from '@varde/telemetry';
import type pg from 'pg';
import { AccessLog, SharingAccessLog } from './access-log';
import type { Infrastructure } from './infrastructure';

/** How {@link AccessLogOutbox} stores and forwards. */
export type AccessLogOutboxOptions = Readonly<{
  /** The service's own database (its schema), where entries wait until the access log has them. */
  pool: pg.Pool;
  /** The access log the entries are forwarded to (sharing's); it must ignore an entry id it already has. */
  forwardTo: AccessLog & Partial<OnModuleDestroy>;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Most entries per forwarded call (default 1 000, sharing's limit per RecordAccess). */
  batchSize?: number;
  /** How long after a read its entries are forwarded, so that reads close together share one call (default 50 ms). */
  delayMs?: number;
  /** How often the outbox is looked at without reads: entries another replica or an earlier run left (default 1 s). */
  pollMs?: number;
  /** Longest wait between attempts while the access log cannot be reached (default 30 s). */
  maxBackoffMs?: number;
  /** How long a stopping service keeps forwarding what is left before it leaves it for the next start (default 2 s). */
  stopFlushMs?: number;
}>;

// The table is created by the platform's migrations (migrations/platform.migrations.ts) in the service's schema.
const INSERT = preparedStatement(
  `INSERT INTO access_log_outbox (entry_id, entry)
   SELECT e->>'entryId', e FROM jsonb_array_elements($1::jsonb) AS e
   ON CONFLICT (entry_id) DO NOTHING`,
);
// SKIP LOCKED: replicas of a service share the table and each forwards other entries.
const CLAIM = preparedStatement('SELECT entry FROM access_log_outbox LIMIT $1 FOR UPDATE SKIP LOCKED');
const DELETE = preparedStatement('DELETE FROM access_log_outbox WHERE entry_id = ANY($1::text[])');
const BACKLOG = preparedStatement('SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(queued_at)), 0)::float8 AS oldest FROM access_log_outbox');
// Counting a large backlog scans it; once every few seconds is enough for a gauge.
const BACKLOG_REFRESH_MS = 5_000;
const FIRST_BACKOFF_MS = 500;

/**
 * {@link AccessLog} that records each read in the serving service's own database and forwards it to the access
 * log (sharing) right after, in batches. A read is shown only once its entries are committed here, so every read
 * shown is logged (fail closed, as before); what it removes from the read is a call to another service (a page of
 * 100 patients: 100 events appended and published by sharing, 25–30 ms) and the dependence on that service being
 * up. Entries wait here while sharing cannot be reached and are forwarded, at least once, when it is back;
 * sharing ignores an entry id it already has. Pending entries and the age of the oldest are metrics
 * (`varde_access_log_pending_entries`, `varde_access_log_oldest_pending_seconds`), so an operator sees a log that
 * is falling behind. See ADR 0004.
 */
export class AccessLogOutbox extends AccessLog implements OnModuleInit, OnModuleDestroy {
  private readonly batchSize: number;
  private readonly delayMs: number;
  private readonly pollMs: number;
  private readonly maxBackoffMs: number;
  private readonly stopFlushMs: number;
  private readonly pending: ReturnType<MetricsRegistry['gauge']>;
  private readonly oldest: ReturnType<MetricsRegistry['gauge']>;
  private readonly forwarded: ReturnType<MetricsRegistry['counter']>;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private draining: Promise<void> | undefined;
  private recordedWhileDraining = false;
  private failures = 0;
  private retryAt = 0;
  private backlogReadAt = 0;
  private stopped = false;

  constructor(private readonly options: AccessLogOutboxOptions) {
    super();
    this.batchSize = options.batchSize ?? 1_000;
    this.delayMs = options.delayMs ?? 50;
    this.pollMs = options.pollMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.stopFlushMs = options.stopFlushMs ?? 2_000;
    this.pending = options.metrics.gauge('varde_access_log_pending_entries', 'Reads recorded by this service and not yet in the access log (sharing).');
    this.oldest = options.metrics.gauge('varde_access_log_oldest_pending_seconds', 'Age of the oldest read not yet in the access log (sharing); 0 when none waits.');
    this.forwarded = options.metrics.counter('varde_access_log_forwarded_total', 'Reads forwarded to the access log (sharing).');
  }

  async onModuleInit(): Promise<void> {
    this.schedule(0);
  }

  /** Commits the entries to the outbox (else UnavailableError: the read must not be shown), then has them forwarded. */
  override async record(entries: readonly AccessLogEntry[]): Promise<void> {
    try {
      await this.options.pool.query(INSERT, [JSON.stringify(entries)]);
    } catch (error) {
      throw new UnavailableError(`The access log did not record this read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.draining) this.recordedWhileDraining = true;
    else this.schedule(this.delayMs);
  }

  /** Stops forwarding after at most `stopFlushMs` more of it; what is left waits in the table for the next start. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
    if (Date.now() >= this.retryAt) {
      const deadline = Date.now() + this.stopFlushMs;
      try {
        while (Date.now() < deadline && (await this.forwardBatch()) === this.batchSize);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'reads not yet in the access log stay in the outbox for the next start');
      }
    }
    this.options.forwardTo.onModuleDestroy?.();
  }

  /** Forwards what waits now (tests and tools); resolves when the outbox is empty or a forward failed. */
  async flush(): Promise<void> {
    await this.draining;
    await this.drain();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = Math.max(Date.now() + delayMs, this.retryAt);
    if (this.timer && this.dueAt <= at) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Infinity;
      void this.drain().finally(() => this.schedule(this.recordedWhileDraining ? this.delayMs : this.pollMs));
    }, at - Date.now());
    this.timer.unref();
  }

  private drain(): Promise<void> {
    this.draining ??= this.forwardAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async forwardAll(): Promise<void> {
    this.recordedWhileDraining = false;
    try {
      while ((await this.forwardBatch()) === this.batchSize && !this.stopped);
      if (this.failures > 0) this.options.logger.info({ failures: this.failures }, 'the access log is reachable again; waiting reads forwarded');
      this.failures = 0;
      this.retryAt = 0;
    } catch (error) {
      this.failures += 1;
      const backoff = Math.min(this.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 16));
      this.retryAt = Date.now() + backoff;
      // Once when it starts and then about every tenth attempt, not a line per retry of a long outage.
      if (this.failures === 1 || this.failures % 10 === 0) {
        this.options.logger.warn({ err: error, failures: this.failures, retryInMs: backoff }, 'reads could not be forwarded to the access log; they wait in the outbox');
      }
    }
    await this.readBacklog();
  }

  /** Forwards one batch in a transaction that holds its rows, so no replica sends them too; resolves to its size. */
  private async forwardBatch(): Promise<number> {
    const count = await inTransaction(this.options.pool, async (client) => {
      const { rows } = await client.query<{ entry: AccessLogEntry }>(CLAIM, [this.batchSize]);
      if (rows.length > 0) {
        const entries = rows.map((r) => r.entry);
        await this.options.forwardTo.record(entries);
        await client.query(DELETE, [entries.map((e) => e.entryId)]);
      }
      return rows.length;
    });
    this.forwarded.inc(count);
    return count;
  }

  private async readBacklog(): Promise<void> {
    if (Date.now() - this.backlogReadAt < BACKLOG_REFRESH_MS && this.failures === 0) return;
    this.backlogReadAt = Date.now();
    try {
      const { rows } = await this.options.pool.query<{ pending: number; oldest: number }>(BACKLOG);
      this.pending.set(rows[0]?.pending ?? 0);
      this.oldest.set(rows[0]?.oldest ?? 0);
    } catch {
      // The gauges keep their last values; forwarding reports the database problem.
    }
  }
}

/** The access log of a service that serves patient data: its own outbox, forwarded to sharing over gRPC. */
export function accessLogViaOutbox(infra: Infrastructure): AccessLogOutbox {
  return new AccessLogOutbox({ pool: infra.pool, forwardTo: new SharingAccessLog(infra.config.peers.sharingGrpc, infra.credentials), logger: infra.logger, metrics: infra.metrics });
}
