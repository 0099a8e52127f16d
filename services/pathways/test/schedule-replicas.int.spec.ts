import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateSchema, schemaConnectionString } from '@varde/database';
import { createPostgresEventStore, PostgresEventStoreAdapter, PostgresTransactions } from '@varde/event-sourcing';
import { freshSchema } from '@varde/testing';
import { TaskScheduler } from '../src/application/schedule/task-scheduler';
import { pathwaysMigrations } from '../src/infrastructure/migrations/pathways.migrations';
import { PostgresTaskSchedule } from '../src/infrastructure/postgres-task-schedule';
import { DAILY_ACTIVITIES, dailyTasks } from './daily-tasks';

const databaseUrl = inject('databaseUrl');
// More tasks than one batch of a tick (500), so the ticks work through several batches.
const PATIENTS = 240;

// 10 and 11 May 2027 in Oslo (UTC+2): due at 05:00, 06:00 and 06:00 UTC, windows ending at 09:00, 10:00 and 10:00 UTC.
const day = (date: string) => ({ from: `${date}T00:00:00+02:00`, to: new Date(Date.parse(`${date}T00:00:00+02:00`) + 86_400_000).toISOString() });

/** One replica of the scheduler: its own pool and event store on the shared schema. */
type Replica = Readonly<{ scheduler: TaskScheduler; pool: pg.Pool; store: PostgresEventStore }>;

describe("the scheduler's tick over many patients, as replicas run it (real PostgreSQL)", () => {
  const schema = freshSchema('pathways_replicas');
  const replicas: Replica[] = [];
  let db: pg.Pool;
  const patients = Array.from({ length: PATIENTS }, () => ({ patientId: randomUUID(), enrolmentId: randomUUID() }));

  beforeAll(async () => {
    await migrateSchema({ databaseUrl, schema }, [pathwaysMigrations]);
    for (let i = 0; i < 2; i++) {
      const pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 4 });
      const store = await createPostgresEventStore({ databaseUrl, schema });
      const schedule = new PostgresTaskSchedule(pool);
      // Due and missed need only the schedule, the task streams and transactions; replans and pauses are not part of these ticks.
      replicas.push({ scheduler: new TaskScheduler(schedule, undefined as never, undefined as never, new PostgresEventStoreAdapter(store, pool), new PostgresTransactions(pool), undefined as never), pool, store });
    }
    db = replicas[0]!.pool;
  });

  afterAll(async () => {
    for (const { pool, store } of replicas) {
      await store.close();
      await pool.end();
    }
  });

  /** Plans the patients' tasks of one day, as a replan does. */
  const plan = (date: string) =>
    new PostgresTaskSchedule(db).plan(
      patients.map(({ patientId, enrolmentId }) => ({
        patientId,
        from: day(date).from,
        until: '2027-06-30T00:00:00Z',
        tasks: dailyTasks(patientId, enrolmentId, '2027-05-01T09:00:00+02:00', day(date).from, day(date).to),
      })),
    );
  /** How many events of `type` each task's stream holds, by task id. */
  const written = async (type: string): Promise<Map<string, number>> => {
    const { rows } = await db.query<{ task_id: string; n: string }>(
      `SELECT message_data->>'taskId' AS task_id, count(*) AS n FROM emt_messages WHERE stream_id LIKE 'tasks-%' AND message_type = $1 GROUP BY 1`,
      [type],
    );
    return new Map(rows.map((r) => [r.task_id, Number(r.n)]));
  };
  /** The schedule's status of each task due on `date` (Oslo). */
  const statuses = async (date = '2027-05-10'): Promise<Map<string, string>> => {
    const { rows } = await db.query<{ task_id: string; status: string }>('SELECT task_id, status FROM task_schedule WHERE due_at >= $1 AND due_at < $2', [day(date).from, day(date).to]);
    return new Map(rows.map((r) => [r.task_id, r.status]));
  };
  const bothTick = (at: string) => Promise.all(replicas.map((r) => r.scheduler.tick(new Date(at))));

  it('writes each TaskDue once and each TaskMissed once when two replicas tick at the same time, batch after batch', async () => {
    await plan('2027-05-10');
    const tasks = [...(await statuses()).keys()];
    expect(tasks).toHaveLength(PATIENTS * DAILY_ACTIVITIES.length);

    // 05:30 UTC: each patient's weight falls due; 07:00: the two others, with the weight already due in the stream.
    await bothTick('2027-05-10T05:30:00Z');
    expect([...(await written('TaskDue')).values()]).toEqual(Array(PATIENTS).fill(1));
    const [first, second] = await bothTick('2027-05-10T07:00:00Z');
    // The replicas shared the work: each claimed its own batches, so each task is counted by the one that made it due.
    expect(first!.due + second!.due).toBe(PATIENTS * 2);
    const due = await written('TaskDue');
    expect(due.size).toBe(tasks.length);
    expect([...due.values()].every((n) => n === 1)).toBe(true);
    expect([...(await statuses()).values()].every((s) => s === 'due')).toBe(true);

    const closing = await bothTick('2027-05-10T12:00:00Z');
    expect(closing.reduce((n, t) => n + t.missed, 0)).toBe(tasks.length);
    const missed = await written('TaskMissed');
    expect(missed.size).toBe(tasks.length);
    expect([...missed.values()].every((n) => n === 1)).toBe(true);
    expect([...(await statuses()).values()].every((s) => s === 'missed')).toBe(true);

    // Once everything is written, a further tick finds nothing and writes nothing.
    expect(await replicas[0]!.scheduler.tick(new Date('2027-05-10T13:00:00Z'))).toMatchObject({ due: 0, missed: 0 });
    expect((await written('TaskMissed')).size).toBe(tasks.length);
  });

  it('completes a task or reports it missed, never both, when a late input meets the tick that closes its window', async () => {
    await plan('2027-05-11');
    await bothTick('2027-05-11T07:00:00Z');
    const weights = new Map((await db.query<{ task_id: string; patient_id: string }>(`SELECT task_id, patient_id FROM task_schedule WHERE loinc = '29463-7' AND due_at >= $1 AND due_at < $2`, [day('2027-05-11').from, day('2027-05-11').to])).rows.map((r) => [r.task_id, r.patient_id]));
    expect(weights.size).toBe(PATIENTS);

    // Each patient's weight, taken at 06:00 inside its window, arrives (a device that was offline) as a replica closes the windows.
    await Promise.all([
      replicas[0]!.scheduler.tick(new Date('2027-05-11T12:00:00Z')),
      Promise.all([...weights.values()].map((patientId) => replicas[1]!.scheduler.completeAll([{ eventId: randomUUID(), alternatives: [{ patientId, loinc: '29463-7', at: '2027-05-11T06:00:00.000Z' }] }], new Date('2027-05-11T12:00:00Z')))),
    ]);
    const [completed, missed, status] = [await written('TaskCompleted'), await written('TaskMissed'), await statuses('2027-05-11')];
    for (const taskId of weights.keys()) {
      expect((completed.get(taskId) ?? 0) + (missed.get(taskId) ?? 0)).toBe(1);
      // The schedule says what the task's stream says.
      expect(status.get(taskId)).toBe(completed.has(taskId) ? 'completed' : 'missed');
    }
    expect([...status].filter(([taskId]) => !weights.has(taskId)).every(([taskId, s]) => s === 'missed' && missed.get(taskId) === 1)).toBe(true);
  });
});

describe("the schedule consumer's run of inputs (real PostgreSQL)", () => {
  const schema = freshSchema('pathways_inputs');
  let pool: pg.Pool;
  let store: PostgresEventStore;
  let scheduler: TaskScheduler;
  const patients = Array.from({ length: 3 }, () => ({ patientId: randomUUID(), enrolmentId: randomUUID() }));

  beforeAll(async () => {
    await migrateSchema({ databaseUrl, schema }, [pathwaysMigrations]);
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema), max: 4 });
    store = await createPostgresEventStore({ databaseUrl, schema });
    scheduler = new TaskScheduler(new PostgresTaskSchedule(pool), undefined as never, undefined as never, new PostgresEventStoreAdapter(store, pool), new PostgresTransactions(pool), undefined as never);
    const from = '2027-05-12T00:00:00+02:00';
    await new PostgresTaskSchedule(pool).plan(patients.map(({ patientId, enrolmentId }) => ({ patientId, from, until: '2027-06-30T00:00:00Z', tasks: dailyTasks(patientId, enrolmentId, '2027-05-01T09:00:00+02:00', from, '2027-05-13T00:00:00+02:00') })));
  });

  afterAll(async () => {
    await store.close();
    await pool.end();
  });

  it('completes each matching task once from a run of many patients’ inputs: a repeat finds it done, a panel completes by its first code that has a task', async () => {
    const at = '2027-05-12T06:30:00.000Z'; // inside every window of the day (weight 05:00–09:00, BP and pulse 06:00–10:00 UTC)
    const [a, b, c] = patients.map((p) => p.patientId) as [string, string, string];
    const inputs = [
      { eventId: randomUUID(), alternatives: [{ patientId: a, loinc: '29463-7', at }] },
      // The same weight sent twice in one run: the second finds the task completed, and no other open, and writes nothing.
      { eventId: randomUUID(), alternatives: [{ patientId: a, loinc: '29463-7', at }] },
      // A panel whose first code has no task here: its second code (pulse) completes the pulse task.
      { eventId: randomUUID(), alternatives: [{ patientId: b, loinc: '9279-1', at }, { patientId: b, loinc: '8867-4', at }] },
      // Outside every window: nothing.
      { eventId: randomUUID(), alternatives: [{ patientId: c, loinc: '29463-7', at: '2027-05-12T12:00:00.000Z' }] },
    ];
    await scheduler.completeAll(inputs, new Date('2027-05-12T06:40:00Z'));

    const { rows } = await pool.query<{ patient_id: string; loinc: string; status: string; completed_by: string | null }>('SELECT patient_id, loinc, status, completed_by FROM task_schedule ORDER BY patient_id, loinc');
    const completed = rows.filter((r) => r.status === 'completed');
    expect(completed.map((r) => [r.patient_id, r.loinc, r.completed_by])).toEqual(
      [[a, '29463-7', inputs[0]!.eventId], [b, '8867-4', inputs[2]!.eventId]].sort((x, y) => x[0]!.localeCompare(y[0]!)),
    );
    const { rows: events } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM emt_messages WHERE stream_id LIKE 'tasks-%' AND message_type = 'TaskCompleted'`);
    expect(Number(events[0]!.n)).toBe(2);
  });
});
