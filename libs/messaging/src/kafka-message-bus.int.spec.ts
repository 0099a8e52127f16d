import { randomUUID } from 'node:crypto';
import { startTestKafka, type TestKafka } from '@varde/testing';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaMessageBus, type MessageBusLogger } from './kafka-message-bus';
import type { DeliveredMessage, IntegrationMessage, Subscription } from './message-bus';

/** The run's broker from the shared globalSetup when there is one, else one started for this file. */
async function kafkaForThisFile(): Promise<TestKafka> {
  const provided = inject('kafkaBrokers');
  return provided ? { brokers: provided, stop: async () => undefined } : startTestKafka();
}

/** Keeps the bus's (and kafkajs's) log lines so expected failures do not flood the test output. */
const recordingLogger = (): MessageBusLogger & { lines: string[] } => {
  const lines: string[] = [];
  const record = (_fields: object, message: string) => void lines.push(message);
  return { lines, info: record, warn: record, error: record };
};

const newTopic = () => `varde.test-${randomUUID()}.v1`;

const tick = (topic: string, key: string, n: number): IntegrationMessage => ({
  id: randomUUID(),
  type: 'varde.test.v1.Tick',
  source: 'varde/test',
  topic,
  key,
  time: new Date(Date.UTC(2026, 0, 1, 8, 0, n)).toISOString(),
  recordedTime: new Date(Date.UTC(2026, 0, 1, 8, 0, n, 250)).toISOString(),
  correlationId: `correlation-${key}`,
  causationId: `cause-${n}`,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  payload: Uint8Array.of(n, 0xff, 0),
  headers: { 'x-test-run': 'kafka-message-bus' },
});

async function eventually(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const withoutDelivery = ({ partition: _p, offset: _o, ...message }: DeliveredMessage): IntegrationMessage => message;

describe('KafkaMessageBus against a real Kafka broker', () => {
  let kafka: TestKafka;
  let bus: KafkaMessageBus;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    kafka = await kafkaForThisFile();
    bus = new KafkaMessageBus({ brokers: kafka.brokers.split(','), clientId: 'messaging-int-spec', logger: recordingLogger() });
  });

  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.stop()));
    await bus?.close();
    await kafka?.stop();
  });

  const subscribe = async (groupId: string, topic: string, handler: (m: DeliveredMessage) => Promise<void>) => {
    const subscription = await bus.subscribe({ groupId, topics: [topic], handler });
    subscriptions.push(subscription);
    return subscription;
  };

  it('is healthy while the broker is up', async () => {
    expect(await bus.isHealthy()).toBe(true);
  });

  it('delivers every published message with its CloudEvents attributes, each patient in order', async () => {
    const topic = newTopic();
    await bus.ensureTopics([topic]);
    await bus.ensureTopics([topic]);
    const patients = ['patient-a', 'patient-b', 'patient-c', 'patient-d'];
    const published = Array.from({ length: 40 }, (_, n) => tick(topic, patients[n % patients.length] as string, n));
    await bus.publish(published.slice(0, 15));
    await bus.publish(published.slice(15));

    const received: DeliveredMessage[] = [];
    await subscribe('readers', topic, async (message) => void received.push(message));
    await eventually(() => received.length >= published.length, 'all 40 messages');

    expect(received.map(withoutDelivery)).toEqual(expect.arrayContaining(published));
    expect(received).toHaveLength(published.length);
    for (const patient of patients) {
      const ids = (messages: readonly IntegrationMessage[]) => messages.filter((m) => m.key === patient).map((m) => m.id);
      expect(ids(received)).toEqual(ids(published));
    }
  });

  it('delivers a publish far larger than the broker takes in one request, each patient in order, and a single 2 MiB event', async () => {
    const topic = newTopic();
    await bus.ensureTopics([topic]);
    // 300 events of 12 KiB on 2 keys: 3.5 MiB, most of it for one partition — the broker's default limit for a
    // partition's batch is 1 MiB, so sent as one request it was refused, retried and refused again.
    const payload = (n: number, bytes: number) => Uint8Array.from({ length: bytes }, (_, i) => (n + i) % 256);
    const published = Array.from({ length: 300 }, (_, n) => ({ ...tick(topic, `patient-${n % 2}`, n), payload: payload(n, 12 * 1024) }));
    const large = { ...tick(topic, 'patient-large', 999), payload: payload(7, 2 * 1024 * 1024) };
    await bus.publish([...published, large]);

    const received: DeliveredMessage[] = [];
    await subscribe('large-readers', topic, async (message) => void received.push(message));
    await eventually(() => received.length >= published.length + 1, 'all 301 messages');

    expect(received).toHaveLength(301);
    for (const key of ['patient-0', 'patient-1']) {
      const ids = (messages: readonly IntegrationMessage[]) => messages.filter((m) => m.key === key).map((m) => m.id);
      expect(ids(received)).toEqual(ids(published));
    }
    const bigOne = received.find((m) => m.id === large.id);
    expect(bigOne?.payload.length).toBe(2 * 1024 * 1024);
    expect(Buffer.from(bigOne!.payload).equals(Buffer.from(large.payload))).toBe(true);
  });

  it('raises the message limit of a topic an earlier version created with the broker default, keeping its other settings', async () => {
    const topic = newTopic();
    const admin = new Kafka({ clientId: 'messaging-int-spec-admin', brokers: kafka.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const configOf = async () => {
      const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
      return Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    };
    try {
      // As before 4 December 2026: no max.message.bytes (the broker's 1 MiB), and an operator's own retention.
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
      expect(Number((await configOf())['max.message.bytes'])).toBeLessThan(2 * 1024 * 1024);
      await bus.ensureTopics([topic]);
      expect(await configOf()).toMatchObject({ 'max.message.bytes': String(8 * 1024 * 1024), 'retention.ms': '3600000' });
    } finally {
      await admin.disconnect();
    }
    const large = { ...tick(topic, 'patient-large', 1), payload: Uint8Array.from({ length: 2 * 1024 * 1024 }, (_, i) => i % 251) };
    await bus.publish([large]);
    const received: DeliveredMessage[] = [];
    await subscribe('raised-limit-readers', topic, async (message) => void received.push(message));
    await eventually(() => received.length >= 1, 'the 2 MiB event');
    expect(received.map((m) => m.id)).toEqual([large.id]);
  });

  it('delivers a message again when its handler failed, before any later message of that patient, and commits it once handled', async () => {
    const topic = newTopic();
    await bus.ensureTopics([topic]);
    const published = [1, 2, 3].map((n) => tick(topic, 'patient-a', n));
    await bus.publish(published);

    const attempts: string[] = [];
    let failedOnce = false;
    const subscription = await subscribe('flaky', topic, async (message) => {
      attempts.push(message.id);
      if (message.id === published[0]?.id && !failedOnce) {
        failedOnce = true;
        throw new Error('database briefly unavailable');
      }
    });
    await eventually(() => attempts.length >= 4, 'the retried message and the two after it');
    expect(attempts).toEqual([published[0]?.id, ...published.map((m) => m.id)]);

    // Everything handled was committed: the same group, subscribing again, sees only what is new.
    await subscription.stop();
    const later = tick(topic, 'patient-a', 4);
    await bus.publish([later]);
    const afterRestart: string[] = [];
    await subscribe('flaky', topic, async (message) => void afterRestart.push(message.id));
    await eventually(() => afterRestart.length >= 1, 'the new message');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(afterRestart).toEqual([later.id]);
  });

  it('commits on stop what was handled since the last interval commit, so a restart does not see it again', async () => {
    const topic = newTopic();
    await bus.ensureTopics([topic]);
    const [first, second, third] = [1, 2, 3].map((n) => tick(topic, 'patient-b', n));
    const handled: string[] = [];
    await bus.publish([first!]);
    const subscription = await subscribe('interval-committers', topic, async (message) => void handled.push(message.id));
    await eventually(() => handled.length >= 1, 'the first message');
    // Handled well within the commit interval of the first one's batch: committed only by the stop.
    await bus.publish([second!]);
    await eventually(() => handled.length >= 2, 'the second message');
    await subscription.stop();

    await bus.publish([third!]);
    const afterRestart: string[] = [];
    await subscribe('interval-committers', topic, async (message) => void afterRestart.push(message.id));
    await eventually(() => afterRestart.length >= 1, 'the third message');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(handled).toEqual([first!.id, second!.id]);
    expect(afterRestart).toEqual([third!.id]);
  });

  it('gives each consumer group every message', async () => {
    const topic = newTopic();
    await bus.ensureTopics([topic]);
    const published = Array.from({ length: 12 }, (_, n) => tick(topic, `patient-${n % 3}`, n));
    await bus.publish(published);

    const byGroup = { triage: [] as string[], worklist: [] as string[] };
    await subscribe('triage', topic, async (m) => void byGroup.triage.push(m.id));
    await subscribe('worklist', topic, async (m) => void byGroup.worklist.push(m.id));
    await eventually(() => byGroup.triage.length >= 12 && byGroup.worklist.length >= 12, 'both groups to read all 12');

    const ids = published.map((m) => m.id).sort();
    expect([...byGroup.triage].sort()).toEqual(ids);
    expect([...byGroup.worklist].sort()).toEqual(ids);
  });

  it('reads back everything on a topic without a consumer group, and nothing from an empty or unknown topic', async () => {
    const topic = newTopic();
    await bus.ensureTopics([topic]);
    expect(await bus.readAll(topic)).toEqual([]);
    expect(await bus.readAll(newTopic())).toEqual([]);

    const published = Array.from({ length: 7 }, (_, n) => tick(topic, `patient-${n % 2}`, n));
    await bus.publish(published);
    const read = await bus.readAll(topic);

    expect(read.map(withoutDelivery)).toEqual(expect.arrayContaining(published));
    expect(read).toHaveLength(7);
    expect(await bus.readAll(topic)).toHaveLength(7);
  });

  it('reports an unreachable broker as unhealthy and keeps a subscription trying without crashing', async () => {
    const logger = recordingLogger();
    const unreachable = new KafkaMessageBus({ brokers: ['127.0.0.1:1'], clientId: 'messaging-int-spec-down', logger });
    try {
      const started = Date.now();
      expect(await unreachable.isHealthy()).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);

      const subscription = await unreachable.subscribe({ groupId: 'nobody', topics: [newTopic()], handler: async () => undefined });
      expect(logger.lines.some((line) => line.includes('Could not start consumer group nobody'))).toBe(true);
      await subscription.stop();
    } finally {
      await unreachable.close();
    }
  });
});
