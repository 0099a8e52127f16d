import { randomUUID } from 'node:crypto';
import { UnavailableError, type AccessLogEntry, type CommandMetadata } from '@varde/core';
import { migrateSchema } from '@varde/database';
import { schemaConnectionString } from '@varde/database';
import { platformMigrations } from './migrations/platform.migrations';
import { createLogger, MetricsRegistry } from '@varde/telemetry';
import { eventually, freshSchema, whileOutboxUnwritable } from '@varde/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AccessLog } from './access-log';
import { AccessLogOutbox, type AccessLogOutboxOptions } from './access-log-outbox';

/** Stands in for sharing's access log: keeps what reaches it, or is down. */
class ReceivingAccessLog extends AccessLog {
  readonly received: AccessLogEntry[] = [];
  calls = 0;
  down = false;
  delayMs = 0;

  override async record(entries: readonly AccessLogEntry[]): Promise<void> {
    this.calls += 1;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.down) throw new UnavailableError('sharing: connection refused');
    this.received.push(...entries);
  }
}

const request = (): CommandMetadata => {
  const id = randomUUID();
  return { commandId: id, correlationId: id, actor: { subject: 'clinician-1', role: 'clinician' }, now: new Date().toISOString() };
};
const patients = (n: number): string[] => Array.from({ length: n }, () => randomUUID());
const read = { purpose: 'worklist', resource: 'worklist' };

describe('AccessLogOutbox: reads recorded in the service\'s own database, forwarded to the access log (real PostgreSQL)', () => {
  const schema = freshSchema('outbox');
  let pool: pg.Pool;
  const started: AccessLogOutbox[] = [];

  beforeAll(async () => {
    const databaseUrl = inject('databaseUrl');
    await migrateSchema({ databaseUrl, schema }, [platformMigrations]);
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 6 });
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((o) => o.onModuleDestroy()));
    await pool.query('TRUNCATE access_log_outbox');
  });

  afterAll(async () => {
    await pool.end();
  });

  const start = async (target: ReceivingAccessLog, options: Partial<AccessLogOutboxOptions> = {}): Promise<{ outbox: AccessLogOutbox; metrics: MetricsRegistry }> => {
    const metrics = new MetricsRegistry('test');
    const outbox = new AccessLogOutbox({ pool, forwardTo: target, logger: createLogger({ service: 'test', level: 'silent' }), metrics, ...options });
    await outbox.onModuleInit();
    started.push(outbox);
    return { outbox, metrics };
  };
  const waiting = async (): Promise<number> => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM access_log_outbox')).rows[0]!.n;
  const until = (condition: () => Promise<boolean> | boolean, what: string): Promise<true> => eventually(async () => (await condition()) || undefined, what, 10_000, 25);
  const gauge = async (metrics: MetricsRegistry, name: string): Promise<number> => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec((await metrics.render()).body)?.[1]);

  it('has a read committed before it is shown, and in the access log right after', async () => {
    const target = new ReceivingAccessLog();
    target.down = true;
    const { outbox } = await start(target);
    const ids = patients(3);
    await outbox.recordReads('triage', ids, read, request());
    // Committed before recordReads resolved: here with every field, although the access log is down.
    const { rows } = await pool.query<{ entry: AccessLogEntry }>('SELECT entry FROM access_log_outbox');
    expect(rows.map((r) => r.entry.patientId).sort()).toEqual([...ids].sort());
    expect(rows[0]!.entry).toMatchObject({ actor: { subject: 'clinician-1', role: 'clinician' }, purpose: 'worklist', resource: 'worklist' });

    target.down = false;
    await outbox.flush();
    // The outbox's own timer may have taken the batch first (SKIP LOCKED): wait for whichever sent it.
    await until(async () => (await waiting()) === 0, 'an empty outbox');
    expect(target.received.map((e) => e.patientId).sort()).toEqual([...ids].sort());
  });

  it('forwards on its own, in batches no bigger than the access log takes, each read once', async () => {
    const target = new ReceivingAccessLog();
    const { outbox } = await start(target, { batchSize: 400, delayMs: 20 });
    const pages = Array.from({ length: 25 }, () => patients(100));
    await Promise.all(pages.map((ids) => outbox.recordReads('triage', ids, read, request())));
    await until(() => target.received.length >= 2_500, 'all 2 500 reads forwarded');
    expect(new Set(target.received.map((e) => e.entryId)).size).toBe(2_500);
    expect(target.calls).toBeGreaterThanOrEqual(7);
    expect(target.calls).toBeLessThan(25);
    await until(async () => (await waiting()) === 0, 'an empty outbox');
  });

  it('keeps reads while the access log is down, reports them waiting, and forwards them when it is back', async () => {
    const target = new ReceivingAccessLog();
    target.down = true;
    const { outbox, metrics } = await start(target, { delayMs: 10, maxBackoffMs: 200 });
    await outbox.recordReads('measurements', patients(40), read, request());
    await until(() => target.calls >= 2, 'retries while the access log is down');
    expect(await waiting()).toBe(40);
    await until(async () => (await gauge(metrics, 'varde_access_log_pending_entries')) === 40, 'the pending gauge');
    expect(await gauge(metrics, 'varde_access_log_oldest_pending_seconds')).toBeGreaterThan(0);

    target.down = false;
    await until(() => target.received.length === 40, 'the reads forwarded after the outage');
    // The access log acknowledges before the outbox's delete commits: wait for the commit, not a moment.
    await until(async () => (await waiting()) === 0, 'an empty outbox after the outage');
  });

  it('records a retried read once', async () => {
    const target = new ReceivingAccessLog();
    target.down = true;
    const { outbox } = await start(target);
    const ids = patients(5);
    const same = request();
    await outbox.recordReads('triage', ids, read, same);
    await outbox.recordReads('triage', ids, read, same);
    expect(await waiting()).toBe(5);
  });

  it('leaves what a stopped instance could not forward to the next start', async () => {
    const down = new ReceivingAccessLog();
    down.down = true;
    const { outbox: first } = await start(down, { stopFlushMs: 100 });
    await first.recordReads('triage', patients(30), read, request());
    await first.onModuleDestroy();
    expect(await waiting()).toBe(30);

    const up = new ReceivingAccessLog();
    await start(up);
    await until(() => up.received.length === 30, 'the next start forwarding what was left');
  });

  it('never has two replicas forward the same read', async () => {
    const a = new ReceivingAccessLog();
    const b = new ReceivingAccessLog();
    a.delayMs = b.delayMs = 30;
    const { outbox: first } = await start(a, { batchSize: 200, pollMs: 60_000, delayMs: 60_000 });
    const { outbox: second } = await start(b, { batchSize: 200, pollMs: 60_000, delayMs: 60_000 });
    for (let i = 0; i < 20; i++) await first.recordReads('triage', patients(100), read, request());
    await Promise.all([first.flush(), second.flush()]);
    const ids = [...a.received, ...b.received].map((e) => e.entryId);
    expect(ids).toHaveLength(2_000);
    expect(new Set(ids).size).toBe(2_000);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
  });

  it('fails closed: when its own database cannot take the read, the read is refused (503), not shown', async () => {
    const target = new ReceivingAccessLog();
    const { outbox } = await start(target);
    await whileOutboxUnwritable(pool, async () => {
      await expect(outbox.recordReads('triage', patients(2), read, request())).rejects.toThrow(UnavailableError);
      await expect(outbox.recordReads('triage', patients(2), read, request())).rejects.toThrow(/access log did not record this read/);
    });
    expect(target.received).toEqual([]);
  });
});
