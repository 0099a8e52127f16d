/**
 * `npm run bench:pathways`: the schedule figures of issue #18 (Scale). On a fresh embedded PostgreSQL:
 * 1. plans one day of tasks for BENCH_ENROLMENTS (default 100 000) enrolments with 3 daily activities each, the way
 *    the scheduler's tick does (occurrences in Europe/Oslo, then one write of the schedule per 500 patients);
 * 2. claims the tasks falling due and, after their windows, the missed ones through the schedule's indexes (what
 *    each tick asks: `FOR UPDATE SKIP LOCKED`), timing the queries at that size;
 * 3. runs the scheduler's real tick (TaskDue, then TaskMissed appended to each patient's day stream: one command
 *    per stream, one transaction per 500 tasks) over BENCH_TICK_PATIENTS (default 2 000) of them, for the cost per
 *    task of the event writes; then two replicas' ticks at once over as many other patients (each claims its own
 *    batches), with each replica's share;
 * 4. runs the tick again over BENCH_HISTORY_PATIENTS (default 500) other patients who already have
 *    BENCH_HISTORY_DAYS (default 90) days of tasks (each due, then missed) in their task streams, one stream per
 *    patient and day as the tick writes them, as well into a course: what the cost per task is as courses grow.
 * Prints the figures and the peak memory of this process (the scheduler's side; PostgreSQL is its own process).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { appendToNewStreams, createPostgresEventStore, deterministicId, PostgresEventStoreAdapter, PostgresTransactions, type NewStream, type StoredEvent } from '@varde/event-sourcing';
import { ensureSchema, inTransaction, migrateSchema, schemaConnectionString } from '@varde/database';
import { startTestPostgres } from '@varde/testing';
import { TaskScheduler } from '../../services/pathways/src/application/schedule/task-scheduler';
import { taskStreamId, type TaskDetails, type TaskEvent } from '../../services/pathways/src/domain/task.decide';
import { pathwaysMigrations } from '../../services/pathways/src/infrastructure/migrations/pathways.migrations';
import { PostgresTaskSchedule } from '../../services/pathways/src/infrastructure/postgres-task-schedule';
import { DAILY_ACTIVITIES, dailyTasks } from '../../services/pathways/test/daily-tasks';
import { labelledRows, log, machineInfo, positiveEnv, runBenchmark } from './bench-harness';

const ENROLMENTS = positiveEnv('BENCH_ENROLMENTS', 100_000);
const TICK_PATIENTS = positiveEnv('BENCH_TICK_PATIENTS', 2_000);
const HISTORY_PATIENTS = Math.min(positiveEnv('BENCH_HISTORY_PATIENTS', 500), ENROLMENTS - TICK_PATIENTS);
const HISTORY_DAYS = positiveEnv('BENCH_HISTORY_DAYS', 90);
// Patients per write of the schedule, as the scheduler's tick plans them.
const PLAN_BATCH = 500;
const SCHEMA = 'pathways_bench';

let peakRss = 0;
const sampleMemory = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

/** `days` days of a patient's tasks before 2027-03-28, each due and then missed, in their days' streams as the tick writes them. */
function history(patientId: string, enrolmentId: string, days: number): NewStream<TaskEvent>[] {
  const start = Date.parse('2027-03-28T06:00:00Z') - days * 86_400_000;
  const streams = new Map<string, StoredEvent<TaskEvent>[]>();
  for (let d = 0; d < days; d++) {
    DAILY_ACTIVITIES.forEach((a, k) => {
      const dueAt = new Date(start + d * 86_400_000 + k * 3_600_000).toISOString();
      const task: TaskDetails = {
        taskId: deterministicId(`bench-history-${patientId}-${d}-${k}`), patientId, enrolmentId, pathwayId: 'heart-failure', pathwayVersion: 1, activity: a.id, title: a.title, kind: a.kind, loinc: a.loinc!,
        dueAt, windowEnd: new Date(Date.parse(dueAt) + 4 * 3_600_000).toISOString(),
      };
      const metadata = (what: string, at: string) => {
        const id = deterministicId(`${task.taskId}-${what}`);
        return { messageId: id, correlationId: id, causationId: id, actor: { subject: 'varde-pathways', role: 'system' as const }, effectiveTime: at, recordedTime: at, schemaVersion: 1 };
      };
      const stream = taskStreamId(patientId, task.dueAt);
      streams.set(stream, [
        ...(streams.get(stream) ?? []),
        { type: 'TaskDue', data: task, metadata: metadata('due', task.dueAt) },
        { type: 'TaskMissed', data: task, metadata: metadata('missed', task.windowEnd) },
      ]);
    });
  }
  return [...streams].map(([streamName, events]) => ({ streamName, events }));
}

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
};

runBenchmark(async () => {
  const sampler = setInterval(sampleMemory, 250);
  const postgres = await startTestPostgres();
  try {
    await ensureSchema(postgres.databaseUrl, SCHEMA);
    await migrateSchema({ databaseUrl: postgres.databaseUrl, schema: SCHEMA }, [pathwaysMigrations]);
    const pool = new pg.Pool({ connectionString: schemaConnectionString(postgres.databaseUrl, SCHEMA), max: 4 });
    const schedule = new PostgresTaskSchedule(pool);
    const day = '2027-03-28';
    const from = `${day}T00:00:00+01:00`;
    const to = '2027-03-29T00:00:00+02:00';
    const enrolledAt = '2027-03-01T09:00:00+01:00';
    const patients = Array.from({ length: ENROLMENTS }, (_, i) => ({ patientId: deterministicId(`bench-patient-${i}`), enrolmentId: deterministicId(`bench-enrolment-${i}`) }));

    log(`planning ${day} for ${ENROLMENTS} enrolments × ${DAILY_ACTIVITIES.length} activities …`);
    const [, planMs] = await timed(async () => {
      for (let i = 0; i < patients.length; i += PLAN_BATCH) {
        await schedule.plan(
          patients.slice(i, i + PLAN_BATCH).map(({ patientId, enrolmentId }) => ({
            patientId,
            from,
            // The horizon far ahead, so the tick below only makes tasks due and missed.
            until: '2027-05-01T00:00:00Z',
            tasks: dailyTasks(patientId, enrolmentId, enrolledAt, from, to),
          })),
        );
        sampleMemory();
      }
    });
    const planned = Number((await pool.query('SELECT count(*) FROM task_schedule')).rows[0].count);
    await pool.query('ANALYZE task_schedule');

    log('finding what falls due and what is missed through the indexes …');
    const noon = '2027-03-28T10:00:00Z';
    const [dueRows, dueQueryMs] = await timed(() => inTransaction(pool, (tx) => schedule.claimDue(tx, noon, 500)));
    await pool.query(`UPDATE task_schedule SET status = 'due' WHERE status = 'planned' AND due_at <= $1`, [noon]);
    await pool.query('ANALYZE task_schedule');
    const [expiredRows, expiredQueryMs] = await timed(() => inTransaction(pool, (tx) => schedule.claimExpired(tx, '2027-03-28T23:00:00Z', 500)));
    const { rows: plan } = await pool.query<{ plan: string }>(`EXPLAIN SELECT * FROM task_schedule WHERE status = 'due' AND window_end <= '2027-03-28T23:00:00Z' ORDER BY window_end LIMIT 500 FOR UPDATE SKIP LOCKED`);

    log(`running the scheduler's tick over ${TICK_PATIENTS} patients (events appended) …`);
    await pool.query(`UPDATE task_schedule SET status = 'cancelled' WHERE patient_id <> ALL($1::uuid[])`, [patients.slice(0, TICK_PATIENTS).map((p) => p.patientId)]);
    await pool.query(`UPDATE task_schedule SET status = 'planned' WHERE status = 'due'`);
    const store = await createPostgresEventStore({ databaseUrl: postgres.databaseUrl, schema: SCHEMA });
    const scheduler = new TaskScheduler(schedule, undefined as never, undefined as never, new PostgresEventStoreAdapter(store, pool), new PostgresTransactions(pool), undefined as never);
    const [dueTick, dueTickMs] = await timed(() => scheduler.tick(new Date('2027-03-28T07:00:00Z')));
    const [missedTick, missedTickMs] = await timed(() => scheduler.tick(new Date('2027-03-28T23:00:00Z')));
    sampleMemory();

    const shared = patients.slice(TICK_PATIENTS + HISTORY_PATIENTS, 2 * TICK_PATIENTS + HISTORY_PATIENTS);
    log(`running two replicas' ticks at once over ${shared.length} other patients …`);
    await pool.query(`UPDATE task_schedule SET status = 'planned' WHERE patient_id = ANY($1::uuid[])`, [shared.map((p) => p.patientId)]);
    const secondPool = new pg.Pool({ connectionString: schemaConnectionString(postgres.databaseUrl, SCHEMA), max: 4 });
    const secondStore = await createPostgresEventStore({ databaseUrl: postgres.databaseUrl, schema: SCHEMA });
    const replicas = [scheduler, new TaskScheduler(new PostgresTaskSchedule(secondPool), undefined as never, undefined as never, new PostgresEventStoreAdapter(secondStore, secondPool), new PostgresTransactions(secondPool), undefined as never)];
    const bothTick = (at: string) => Promise.all(replicas.map((r) => r.tick(new Date(at))));
    const [sharedDue, sharedDueMs] = await timed(() => bothTick('2027-03-28T07:00:00Z'));
    const [sharedMissed, sharedMissedMs] = await timed(() => bothTick('2027-03-28T23:00:00Z'));
    await secondStore.close();
    await secondPool.end();
    sampleMemory();
    const peakBeforeHistory = peakRss;

    const historical = patients.slice(TICK_PATIENTS, TICK_PATIENTS + HISTORY_PATIENTS);
    log(`writing ${HISTORY_DAYS} days of task history for ${historical.length} other patients …`);
    for (let i = 0; i < historical.length; i += 50) {
      await inTransaction(pool, (client) => appendToNewStreams(client, historical.slice(i, i + 50).flatMap(({ patientId, enrolmentId }) => history(patientId, enrolmentId, HISTORY_DAYS))));
    }
    await pool.query(`UPDATE task_schedule SET status = 'planned' WHERE patient_id = ANY($1::uuid[])`, [historical.map((p) => p.patientId)]);
    log(`running the tick over them (${HISTORY_DAYS * DAILY_ACTIVITIES.length * 2} events each in earlier days' streams) …`);
    const [longDueTick, longDueTickMs] = await timed(() => scheduler.tick(new Date('2027-03-28T07:00:00Z')));
    const [longMissedTick, longMissedTickMs] = await timed(() => scheduler.tick(new Date('2027-03-28T23:00:00Z')));
    sampleMemory();
    await store.close();
    await pool.end();

    const sum = (ticks: readonly { due: number; missed: number }[], what: 'due' | 'missed'): number => ticks.reduce((n, t) => n + t[what], 0);
    const perSecond = (count: number, ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;
    const info = machineInfo();
    console.log(`\npathways schedule benchmark (${info.cpus} CPUs, ${info.cpuModel}, Node ${info.node})`);
    console.log(
      labelledRows([
        ['enrolments × activities', `${ENROLMENTS.toLocaleString('en')} × ${DAILY_ACTIVITIES.length} (daily)`],
        [`plan ${day} (occurrences + one write per ${PLAN_BATCH} patients)`, `${planned.toLocaleString('en')} tasks in ${(planMs / 1000).toFixed(1)} s (${perSecond(planned, planMs)})`],
        ['claim the next 500 falling due (index on due time, FOR UPDATE SKIP LOCKED)', `${dueQueryMs.toFixed(1)} ms (${dueRows.length} rows)`],
        ['claim the next 500 missed (index on window end, FOR UPDATE SKIP LOCKED)', `${expiredQueryMs.toFixed(1)} ms (${expiredRows.length} rows)`],
        ['query plan of the missed lookup', plan.map((r) => Object.values(r)[0]).join(' / ').slice(0, 120)],
        [`tick: TaskDue for ${TICK_PATIENTS.toLocaleString('en')} patients`, `${dueTick.due.toLocaleString('en')} tasks in ${(dueTickMs / 1000).toFixed(1)} s (${perSecond(dueTick.due, dueTickMs)})`],
        [`tick: TaskMissed for ${TICK_PATIENTS.toLocaleString('en')} patients`, `${missedTick.missed.toLocaleString('en')} tasks in ${(missedTickMs / 1000).toFixed(1)} s (${perSecond(missedTick.missed, missedTickMs)})`],
        [`two replicas ticking at once: TaskDue for ${shared.length.toLocaleString('en')} patients (each replica's share)`, `${sum(sharedDue, 'due').toLocaleString('en')} tasks in ${(sharedDueMs / 1000).toFixed(1)} s (${perSecond(sum(sharedDue, 'due'), sharedDueMs)}; ${sharedDue.map((t) => t.due.toLocaleString('en')).join(' / ')})`],
        [`two replicas ticking at once: TaskMissed for ${shared.length.toLocaleString('en')} patients (each replica's share)`, `${sum(sharedMissed, 'missed').toLocaleString('en')} tasks in ${(sharedMissedMs / 1000).toFixed(1)} s (${perSecond(sum(sharedMissed, 'missed'), sharedMissedMs)}; ${sharedMissed.map((t) => t.missed.toLocaleString('en')).join(' / ')})`],
        [`tick, ${HISTORY_DAYS} days into the course: TaskDue for ${historical.length.toLocaleString('en')} patients`, `${longDueTick.due.toLocaleString('en')} tasks in ${(longDueTickMs / 1000).toFixed(1)} s (${perSecond(longDueTick.due, longDueTickMs)})`],
        [`tick, ${HISTORY_DAYS} days into the course: TaskMissed for ${historical.length.toLocaleString('en')} patients`, `${longMissedTick.missed.toLocaleString('en')} tasks in ${(longMissedTickMs / 1000).toFixed(1)} s (${perSecond(longMissedTick.missed, longMissedTickMs)})`],
        ['peak memory (this process, RSS): plan and ticks on fresh streams', `${Math.round(peakBeforeHistory / 1_048_576)} MiB`],
        ['peak memory (this process, RSS): with the history written and ticked', `${Math.round(peakRss / 1_048_576)} MiB`],
      ]),
    );
  } finally {
    clearInterval(sampler);
    await postgres.stop();
  }
});
