import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '@varde/core';
import { migrateSchema } from '@varde/database';
import { createPostgresEventStore } from '@varde/event-sourcing';
import { ensureSchema, schemaConnectionString } from '@varde/database';
import { eventually, freshSchema } from '@varde/testing';
import { startConsumer, replayDeadLetters } from './consumer-runner';
import { KafkaMessageBus } from './kafka-message-bus';
import { deadLetterTopic, MessageBus, type DeliveredMessage, type IntegrationMessage } from './message-bus';
import { PostgresMessageBus } from './postgres-message-bus';
import { startRelay } from './relay';
import { messagingMigrations } from './migrations/messaging.migrations';

const databaseUrl = inject('databaseUrl');
const kafkaBrokers = inject('kafkaBrokers');

const message = (topic: string, key: string, body: string): IntegrationMessage => ({
  id: randomUUID(),
  type: 'varde.test.v1.Thing',
  source: 'varde/test',
  topic,
  key,
  time: new Date().toISOString(),
  recordedTime: new Date().toISOString(),
  correlationId: 'corr',
  causationId: 'cause',
  payload: new TextEncoder().encode(body),
});

const buses: Array<[string, () => MessageBus]> = [
  ['embedded PostgreSQL log', () => new PostgresMessageBus({ databaseUrl, pollIntervalMs: 50, logger: { warn: (o, m) => console.warn(m, o) } })],
  ['Kafka', () => new KafkaMessageBus({ brokers: kafkaBrokers.split(','), clientId: `test-${randomUUID()}` })],
];

describe.each(buses)('messaging over the %s', (_name, createBus) => {
  let bus: MessageBus;
  let schema: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    bus = createBus();
    schema = freshSchema('msg');
    // The relay's and the consumer's tables, as a service's start-up creates them (after Emmett's).
    await (await createPostgresEventStore({ databaseUrl, schema })).close();
    await migrateSchema({ databaseUrl, schema }, [messagingMigrations]);
    pool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, schema) });
    // seq: the order effects were written in (ctid is not, with concurrent writers).
    await pool.query('CREATE TABLE effects (body text NOT NULL, seq bigserial)');
  });

  afterAll(async () => {
    await bus.close();
    await pool.end();
  });

  /** A relay test's own event store (fresh schema) and topic, and events to append to it. */
  const relayFixture = async (name: string) => {
    const ownSchema = freshSchema(name);
    await ensureSchema(databaseUrl, ownSchema);
    const store = await createPostgresEventStore({ databaseUrl, schema: ownSchema });
    await migrateSchema({ databaseUrl, schema: ownSchema }, [messagingMigrations]);
    const topic = `varde.${name}${randomUUID().slice(0, 8)}.v1`;
    await bus.ensureTopics([topic]);
    const event = (n: number, type = 'ThingHappened') => ({ type, data: { n }, metadata: { messageId: randomUUID(), correlationId: 'c', causationId: 'c', effectiveTime: new Date().toISOString(), recordedTime: new Date().toISOString(), actor: { subject: 's', role: 'system' }, schemaVersion: 1 } });
    return { ownSchema, store, topic, event };
  };

  it('relays every event of the log once, in order, and resumes from its checkpoint after a restart', async () => {
    const store = await createPostgresEventStore({ databaseUrl, schema });
    const topic = `varde.relaytest${randomUUID().slice(0, 8)}.v1`;
    await bus.ensureTopics([topic]);
    const append = (n: number) =>
      store.appendToStream(`thing-${n}`, [{ type: 'ThingHappened', data: { n }, metadata: { messageId: randomUUID(), correlationId: 'c', causationId: 'c', effectiveTime: new Date().toISOString(), recordedTime: new Date().toISOString(), actor: { subject: 's', role: 'system' }, schemaVersion: 1 } }] as never[]);
    for (let n = 0; n < 5; n++) await append(n);
    const map = (event: { type: string; data: unknown; metadata: { messageId: string; effectiveTime: string; recordedTime: string } }) => ({
      ...message(topic, 'same-patient', JSON.stringify(event.data)),
      id: event.metadata.messageId,
    });
    let relay = await startRelay({ databaseUrl, schema, bus, map: map as never, pollIntervalMs: 20 });
    const first = await eventually(async () => {
      const all = await bus.readAll(topic);
      return all.length >= 5 ? all : undefined;
    }, 'five relayed messages');
    expect(first.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).n)).toEqual([0, 1, 2, 3, 4]);
    await relay.stop();
    for (let n = 5; n < 8; n++) await append(n);
    relay = await startRelay({ databaseUrl, schema, bus, map: map as never, pollIntervalMs: 20 });
    const all = await eventually(async () => {
      const got = await bus.readAll(topic);
      return got.length >= 8 ? got : undefined;
    }, 'eight relayed messages');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await bus.readAll(topic)).length).toBe(8);
    expect(all.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await relay.stop();
    await store.close();
  });

  it('relays in numeric position order across a power of ten, one event per batch, losing none', async () => {
    const { ownSchema, store, topic, event } = await relayFixture('relayorder');
    await store.appendToStream('thing-0', [event(0)] as never[]);
    // One transaction with positions 8, 9, 10, 11: sorted as text, "10" and "11" come before "8" and a
    // checkpoint at 11 would skip 8 and 9.
    const ownPool = new pg.Pool({ connectionString: schemaConnectionString(databaseUrl, ownSchema), max: 1 });
    await ownPool.query("SELECT setval('emt_global_message_position', 7)");
    await ownPool.end();
    await store.appendToStream('thing-8', [event(8), event(9), event(10), event(11)] as never[]);
    const map = (event: { data: unknown; metadata: { messageId: string } }) => ({ ...message(topic, 'same-patient', JSON.stringify(event.data)), id: event.metadata.messageId });
    const relay = await startRelay({ databaseUrl, schema: ownSchema, bus, map: map as never, pollIntervalMs: 20, batchSize: 1 });
    const all = await eventually(async () => {
      const got = await bus.readAll(topic);
      return got.length >= 5 ? got : undefined;
    }, 'five relayed messages');
    expect(all.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).n)).toEqual([0, 8, 9, 10, 11]);
    await relay.stop();
    await store.close();
  });

  it('reports its lag: the events waiting while the bus refuses them, then 0 once they are relayed', async () => {
    const { ownSchema, store, topic, event } = await relayFixture('relaylag');
    for (let n = 0; n < 7; n++) await store.appendToStream(`thing-${n}`, [event(n)] as never[]);
    let down = true;
    // The real bus, refusing while `down` (as an unreachable broker does).
    const refusing = { publish: (messages: IntegrationMessage[]) => (down ? Promise.reject(new Error('broker unreachable')) : bus.publish(messages)) } as unknown as MessageBus;
    const lags: number[] = [];
    const map = (e: { data: unknown; metadata: { messageId: string } }) => ({ ...message(topic, 'k', JSON.stringify(e.data)), id: e.metadata.messageId });
    const relay = await startRelay({ databaseUrl, schema: ownSchema, bus: refusing, map: map as never, pollIntervalMs: 20, retryDelayMs: 20, lagIntervalMs: 25, onLag: (n) => lags.push(n) });
    try {
      await eventually(async () => (lags.at(-1) === 7 ? true : undefined), 'a lag of 7 while the bus refuses');
      down = false;
      await eventually(async () => ((await bus.readAll(topic)).length === 7 && lags.at(-1) === 0 ? true : undefined), 'the 7 relayed and a lag of 0');
    } finally {
      await relay.stop();
      await store.close();
    }
  });

  it('skips, unread, the event types a mapping says it never publishes, and moves past them', async () => {
    const { ownSchema, store, topic, event: numbered } = await relayFixture('relaytypes');
    const event = (type: string, n: number) => numbered(n, type);
    const seen: string[] = [];
    const map = Object.assign(
      (e: { type: string; data: unknown; metadata: { messageId: string } }) => {
        seen.push(e.type);
        return { ...message(topic, 'same-patient', JSON.stringify(e.data)), id: e.metadata.messageId };
      },
      { eventTypes: ['Decided'] },
    );
    await store.appendToStream('thing-1', [event('Noted', 1), event('Decided', 2), event('Noted', 3), event('Decided', 4)] as never[]);
    let relay = await startRelay({ databaseUrl, schema: ownSchema, bus, map: map as never, pollIntervalMs: 20 });
    await eventually(async () => ((await bus.readAll(topic)).length >= 2 ? true : undefined), 'the two published events');
    await relay.stop();
    await store.appendToStream('thing-1', [event('Noted', 5), event('Decided', 6)] as never[], { expectedStreamVersion: 4n });
    relay = await startRelay({ databaseUrl, schema: ownSchema, bus, map: map as never, pollIntervalMs: 20 });
    const all = await eventually(async () => {
      const got = await bus.readAll(topic);
      return got.length >= 3 ? got : undefined;
    }, 'the third published event');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(all.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).n)).toEqual([2, 4, 6]);
    expect((await bus.readAll(topic)).length).toBe(3);
    expect(seen).toEqual(['Decided', 'Decided', 'Decided']);
    await relay.stop();
    await store.close();
  });

  it('processes each message once, retries a failing handler, and dead-letters what cannot succeed', async () => {
    const topic = `varde.consumertest${randomUUID().slice(0, 8)}.v1`;
    const groupId = `group-${randomUUID().slice(0, 8)}`;
    let failuresLeft = 2;
    let rejectPoison = true;
    const subscription = await startConsumer({
      bus,
      pool,
      groupId,
      topics: [topic],
      backoffMs: 10,
      handlers: {
        'varde.test.v1.Thing': async (m: DeliveredMessage, ctx) => {
          const body = new TextDecoder().decode(m.payload);
          await ctx.client.query('INSERT INTO effects (body) VALUES ($1)', [`${topic}:${body}`]);
          if (body === 'flaky' && failuresLeft-- > 0) throw new Error('database hiccup');
          if (body === 'poison' && rejectPoison) throw new ValidationError([{ field: 'value', message: 'not a number' }]);
        },
      },
    });
    const ok = message(topic, 'p-1', 'ok');
    await bus.publish([ok, ok, message(topic, 'p-1', 'flaky'), message(topic, 'p-1', 'poison'), message(topic, 'p-1', 'after')]);
    const effects = async () => (await pool.query<{ body: string }>('SELECT body FROM effects WHERE body LIKE $1', [`${topic}:%`])).rows.map((r) => r.body.split(':')[1]);
    await eventually(async () => ((await effects()).includes('after') ? true : undefined), 'the message after the poison one');
    // The duplicate is skipped, the flaky one lands once (its failed attempts rolled back), the poison one not at all.
    expect((await effects()).sort()).toEqual(['after', 'flaky', 'ok']);
    const letters = await eventually(async () => {
      const got = await bus.readAll(deadLetterTopic(topic, groupId));
      return got.length > 0 ? got : undefined;
    }, 'a dead letter');
    expect(letters).toHaveLength(1);
    expect(new TextDecoder().decode(letters[0]!.payload)).toBe('poison');
    expect(letters[0]!.headers?.['dlt_error']).toContain('value: not a number');

    // Once the cause is fixed, replaying the dead letters processes the message, exactly once.
    rejectPoison = false;
    expect(await replayDeadLetters(bus, topic, groupId)).toBe(1);
    await eventually(async () => ((await effects()).includes('poison') ? true : undefined), 'the replayed message');
    await replayDeadLetters(bus, topic, groupId);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await effects()).filter((e) => e === 'poison')).toHaveLength(1);
    await subscription.stop();
  });

  it("handles patients side by side, each patient's messages in order, none lost or repeated across a stop", async () => {
    const topic = `varde.keyedtest${randomUUID().slice(0, 8)}.v1`;
    const groupId = `group-${randomUUID().slice(0, 8)}`;
    let inFlight = 0;
    let maxInFlight = 0;
    const consume = () =>
      startConsumer({
        bus,
        pool,
        groupId,
        topics: [topic],
        concurrency: 4,
        handlers: {
          'varde.test.v1.Thing': async (m: DeliveredMessage, ctx) => {
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            const body = new TextDecoder().decode(m.payload);
            // Waiting like a real handler does on the database or another service; uneven, so a later message could overtake.
            await new Promise((resolve) => setTimeout(resolve, Number(body.split('/')[1]) % 2 === 0 ? 12 : 1));
            await ctx.client.query('INSERT INTO effects (body) VALUES ($1)', [`${topic}:${body}`]);
            inFlight--;
          },
        },
      });
    const patients = Array.from({ length: 10 }, (_, p) => `patient-${p}`);
    const published = Array.from({ length: 20 }, (_, n) => patients.map((key) => message(topic, key, `${key}/${n}`))).flat();
    await bus.ensureTopics([topic]);
    await bus.publish(published);
    const effects = async () => (await pool.query<{ body: string }>('SELECT body FROM effects WHERE body LIKE $1 ORDER BY seq', [`${topic}:%`])).rows.map((r) => r.body.slice(topic.length + 1));
    let subscription = await consume();
    await eventually(async () => ((await effects()).length >= 60 ? true : undefined), 'a third of the messages');
    await subscription.stop();
    subscription = await consume();
    const all = await eventually(async () => {
      const got = await effects();
      return got.length >= published.length ? got : undefined;
    }, 'every message');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await subscription.stop();
    const final = await effects();
    expect(final).toHaveLength(published.length);
    expect(new Set(all).size).toBe(published.length);
    for (const key of patients) {
      expect(final.filter((body) => body.startsWith(`${key}/`))).toEqual(Array.from({ length: 20 }, (_, n) => `${key}/${n}`));
    }
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
  });

  it("reads several topics in one group: each message once, each patient's in order per topic, a topic joining later included", async () => {
    const [first, second] = ['a', 'b'].map((t) => `varde.multitopic${t}${randomUUID().slice(0, 8)}.v1`) as [string, string];
    const groupId = `group-${randomUUID().slice(0, 8)}`;
    const consume = () =>
      startConsumer({
        bus,
        pool,
        groupId,
        topics: [first, second],
        handlers: { 'varde.test.v1.Thing': async (m: DeliveredMessage, ctx) => void (await ctx.client.query('INSERT INTO effects (body) VALUES ($1)', [`${m.topic}:${new TextDecoder().decode(m.payload)}`])) },
      });
    const effects = async () =>
      (await pool.query<{ body: string }>('SELECT body FROM effects WHERE body LIKE $1 OR body LIKE $2 ORDER BY seq', [`${first}:%`, `${second}:%`])).rows.map((r) => r.body);
    const batch = (topic: string, from: number, count: number) => Array.from({ length: count }, (_, n) => message(topic, `patient-${(from + n) % 3}`, `${from + n}`));
    await bus.ensureTopics([first, second]);
    // The group has a position in the first topic before the second has any message; more than one poll's worth of each.
    await bus.publish(batch(first, 0, 150));
    let subscription = await consume();
    await eventually(async () => ((await effects()).length >= 150 ? true : undefined), 'the first topic');
    await subscription.stop();
    for (let round = 0; round < 3; round++) await bus.publish([...batch(second, round * 80, 80), ...batch(first, 150 + round * 50, 50)]);
    subscription = await consume();
    const expected = 150 + 3 * 50 + 3 * 80;
    await eventually(async () => ((await effects()).length >= expected ? true : undefined), 'every message of both topics');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await subscription.stop();
    const final = await effects();
    expect(final).toHaveLength(expected);
    expect(new Set(final).size).toBe(expected);
    for (const [topic, count] of [[first, 300], [second, 240]] as const) {
      for (let p = 0; p < 3; p++) {
        const ofPatient = final.filter((b) => b.startsWith(`${topic}:`)).map((b) => Number(b.split(':')[1])).filter((n) => n % 3 === p);
        expect(ofPatient).toEqual(Array.from({ length: count }, (_, n) => n).filter((n) => n % 3 === p));
      }
    }
  });

  it('lets patients share a transaction, and a failing message never takes the others of its transaction down', async () => {
    const topic = `varde.grouptest${randomUUID().slice(0, 8)}.v1`;
    const groupId = `group-${randomUUID().slice(0, 8)}`;
    await pool.query('CREATE TABLE IF NOT EXISTS grouped_effects (body text NOT NULL, tx xid8 NOT NULL)');
    const subscription = await startConsumer({
      bus,
      pool,
      groupId,
      topics: [topic],
      concurrency: 8,
      backoffMs: 10,
      handlers: {
        'varde.test.v1.Thing': async (m: DeliveredMessage, ctx) => {
          const body = new TextDecoder().decode(m.payload);
          await new Promise((resolve) => setTimeout(resolve, 3));
          await ctx.client.query('INSERT INTO grouped_effects (body, tx) VALUES ($1, pg_current_xact_id())', [`${topic}:${body}`]);
          if (body === 'patient-3/1') throw new ValidationError([{ field: 'value', message: 'not a number' }]);
        },
      },
    });
    const published = Array.from({ length: 5 }, (_, n) => Array.from({ length: 8 }, (_, p) => message(topic, `patient-${p}`, `patient-${p}/${n}`))).flat();
    await bus.ensureTopics([topic]);
    await bus.publish(published);
    const effects = async () => (await pool.query<{ body: string; tx: string }>('SELECT body, tx::text FROM grouped_effects WHERE body LIKE $1', [`${topic}:%`])).rows;
    await eventually(async () => ((await effects()).length >= published.length - 1 ? true : undefined), 'every message but the failing one');
    await eventually(async () => ((await bus.readAll(deadLetterTopic(topic, groupId))).length > 0 ? true : undefined), 'the dead letter');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await subscription.stop();
    const written = await effects();
    const bodies = written.map((e) => e.body.slice(topic.length + 1)).sort();
    // Each once, the failing one not at all (its writes rolled back with each transaction it was in).
    expect(bodies).toEqual(published.map((m) => new TextDecoder().decode(m.payload)).filter((b) => b !== 'patient-3/1').sort());
    const perTransaction = new Map<string, number>();
    for (const e of written) perTransaction.set(e.tx, (perTransaction.get(e.tx) ?? 0) + 1);
    expect(Math.max(...perTransaction.values())).toBeGreaterThan(1);
    const letters = await bus.readAll(deadLetterTopic(topic, groupId));
    expect(letters.map((l) => new TextDecoder().decode(l.payload))).toEqual(['patient-3/1']);
  });

  it('gathers messages that trickle in into runs of many (a background group): each once, each patient in order, far fewer transactions than messages', async () => {
    const topic = `varde.gathertest${randomUUID().slice(0, 8)}.v1`;
    const gatherMs = 1_000;
    await pool.query('CREATE TABLE IF NOT EXISTS gathered_effects (body text NOT NULL, tx xid8 NOT NULL, partition int NOT NULL, seq bigserial)');
    await bus.ensureTopics([topic]);
    const subscription = await startConsumer({
      bus,
      pool,
      groupId: `group-${randomUUID().slice(0, 8)}`,
      topics: [topic],
      runs: 'across-patients',
      gatherMs,
      handlers: {
        'varde.test.v1.Thing': async (m: DeliveredMessage, ctx) => {
          await ctx.client.query('INSERT INTO gathered_effects (body, tx, partition) VALUES ($1, pg_current_xact_id(), $2)', [`${topic}:${new TextDecoder().decode(m.payload)}`, m.partition]);
        },
      },
    });
    // One message every 10 ms, as single Observations arrive: a group that does not gather handles about one per transaction.
    const published = Array.from({ length: 60 }, (_, n) => message(topic, `patient-${n % 2}`, `patient-${n % 2}/${n}`));
    const started = Date.now();
    for (const m of published) {
      await bus.publish([m]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const publishingMs = Date.now() - started;
    const effects = async () => (await pool.query<{ body: string; tx: string; partition: number }>('SELECT body, tx::text, partition FROM gathered_effects WHERE body LIKE $1 ORDER BY seq', [`${topic}:%`])).rows;
    await eventually(async () => ((await effects()).length >= published.length ? true : undefined), 'every message');
    await subscription.stop();
    const written = await effects();
    const bodies = written.map((e) => e.body.slice(topic.length + 1));
    expect([...bodies].sort()).toEqual(published.map((m) => new TextDecoder().decode(m.payload)).sort());
    for (let p = 0; p < 2; p++) {
      const ofPatient = bodies.filter((b) => b.startsWith(`patient-${p}/`)).map((b) => Number(b.split('/')[1]));
      expect(ofPatient).toEqual([...ofPatient].sort((a, b) => a - b));
    }
    // While messages kept coming, at most one run per gathering window and partition (plus the first and the last),
    // however slowly this machine published them; and in any case far fewer transactions than messages.
    const transactions = new Set(written.map((e) => e.tx)).size;
    const partitions = new Set(written.map((e) => e.partition)).size;
    expect(transactions).toBeLessThanOrEqual((Math.ceil(publishingMs / gatherMs) + 2) * partitions);
    expect(transactions).toBeLessThan(published.length / 2);
  });
});
