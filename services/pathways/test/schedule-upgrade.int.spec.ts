import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inTransaction, migrateSchema, schemaConnectionString, type MigrationSet } from '@varde/database';
import { appendToNewStreams, createPostgresEventStore, PostgresEventStoreAdapter, PostgresTransactions } from '@varde/event-sourcing';
import { freshSchema } from '@varde/testing';
import { TaskScheduler } from '../src/application/schedule/task-scheduler';
import { taskStreamId } from '../src/domain/task.decide';
import { pathwaysMigrations } from '../src/infrastructure/migrations/pathways.migrations';
import { PostgresTaskSchedule } from '../src/infrastructure/postgres-task-schedule';
import { dailyTasks } from './daily-tasks';

const databaseUrl = inject('databaseUrl');
// 12 May 2027 in Oslo (UTC+2): weight due at 05:00 UTC, blood pressure and pulse at 06:00, each window 4 hours.
const from = '2027-05-12T00:00:00+02:00';
const to = '2027-05-13T00:00:00+02:00';

/** The migrations as they were while each patient had one task stream (up to 0004). */
const beforeDayStreams: MigrationSet = {
  ...pathwaysMigrations,
  migrations: Object.fromEntries(Object.entries(pathwaysMigrations.migrations).filter(([name]) => name < '0006')),
};

describe('task streams per day, on a schema whose tasks fell due into one stream per patient (real PostgreSQL)', () => {
  const schema = freshSchema('pathways_upgrade');
  let pool: pg.Pool;
  let store: PostgresEventStore;
  let scheduler: TaskScheduler;
  const early = { patientId: randomUUID(), enrolmentId: randomUUID() };
  const late = { patientId: randomUUID(), enrolmentId: randomUUID() };

  beforeAll(async () => {
    await migrateSchema({ databaseUrl, schema }, [beforeDayStreams]);
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 4 });
    store = await createPostgresEventStore({ databaseUrl, schema });
    scheduler = new TaskScheduler(new PostgresTaskSchedule(pool), undefined as never, undefined as never, new PostgresEventStoreAdapter(store, pool), new PostgresTransactions(pool), undefined as never);
  });

  afterAll(async () => {
    await store?.close();
    await pool?.end();
  });

  /** Each event of `type` written for the task, by stream. */
  const streamsOf = async (taskId: string, type: string): Promise<string[]> =>
    (await pool.query<{ stream_id: string }>(`SELECT stream_id FROM emt_messages WHERE message_data->>'taskId' = $1 AND message_type = $2`, [taskId, type])).rows.map((r) => r.stream_id);

  it("closes tasks that fell due before the upgrade in the patient's old stream, once, and new ones in their day's stream", async () => {
    // Before the upgrade: both patients' day is planned; the early patient's weight fell due into `tasks-<patientId>`.
    const planned = [early, late].map(({ patientId, enrolmentId }) => ({ patientId, from, until: '2027-06-30T00:00:00Z', tasks: dailyTasks(patientId, enrolmentId, '2027-05-01T09:00:00+02:00', from, to) }));
    await new PostgresTaskSchedule(pool).plan(planned);
    const { slot: _slot, ...weight } = planned[0]!.tasks.find((t) => t.loinc === '29463-7')!;
    const id = randomUUID();
    const dueEvent = { type: 'TaskDue' as const, data: weight, metadata: { messageId: id, correlationId: id, causationId: id, actor: { subject: 'varde-pathways', role: 'system' as const }, effectiveTime: weight.dueAt, recordedTime: weight.dueAt, schemaVersion: 1 } };
    await inTransaction(pool, async (client) => {
      await appendToNewStreams(client, [{ streamName: `tasks-${early.patientId}`, events: [dueEvent] }]);
      await client.query(`UPDATE task_schedule SET status = 'due' WHERE task_id = $1`, [weight.taskId]);
    });

    await migrateSchema({ databaseUrl, schema }, [pathwaysMigrations]);
    // Its window ends at 09:00 UTC; the other tasks fall due at 06:30 and all are missed at 10:30; a later tick writes nothing.
    await scheduler.tick(new Date('2027-05-12T06:30:00Z'));
    await scheduler.tick(new Date('2027-05-12T10:30:00Z'));
    await scheduler.tick(new Date('2027-05-12T11:00:00Z'));

    expect(await streamsOf(weight.taskId, 'TaskDue')).toEqual([`tasks-${early.patientId}`]);
    expect(await streamsOf(weight.taskId, 'TaskMissed')).toEqual([`tasks-${early.patientId}`]);
    const others = planned.flatMap((p) => p.tasks).filter((t) => t.taskId !== weight.taskId);
    expect(others).toHaveLength(5);
    for (const { taskId, patientId, dueAt } of others) {
      expect(await streamsOf(taskId, 'TaskDue')).toEqual([taskStreamId(patientId, dueAt)]);
      expect(await streamsOf(taskId, 'TaskMissed')).toEqual([taskStreamId(patientId, dueAt)]);
    }
    expect(taskStreamId(late.patientId, '2027-05-12T05:00:00Z')).toBe(`tasks-${late.patientId}-2027-05-12`);
    const statuses = await pool.query<{ status: string }>('SELECT status FROM task_schedule');
    expect(statuses.rows.map((r) => r.status)).toEqual(Array(6).fill('missed'));
  });
});
