import { randomUUID } from 'node:crypto';
import { publicFeedTopic } from '@varde/contracts';
import { eventually, startSecuredTestKafka, type SecuredTestKafka } from '@varde/testing';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPublisher, addTrust, removeTrust, trustUser, type FeedCluster } from './feed-access';

const TRUST_A = '983974899';
const TRUST_B = '974703300';

let kafka: SecuredTestKafka;
let cluster: FeedCluster;

const client = (username: string, password: string): Kafka =>
  new Kafka({ clientId: `feed-access-${username}`, brokers: [kafka.brokers], sasl: { mechanism: 'scram-sha-512', username, password }, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 300 } });

/** Reads what `user` can of `topic` with a consumer group of `groupId`; rejects with the broker's refusal. */
async function readAs(user: Kafka, topic: string, groupId: string, count: number): Promise<KafkaMessage[]> {
  const consumer = user.consumer({ groupId });
  const seen: KafkaMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const crashed = new Promise<never>((_, fail) =>
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        // kafkajs restarts the consumer itself after a retriable error — a broker just started is still loading its
        // groups' offsets (COORDINATOR_LOAD_IN_PROGRESS) — as kafka-subscription relies on; only a crash it does not
        // restart from (an authorisation refusal) is the broker's answer.
        if (!payload.restart) fail(payload.error);
      }),
    );
    crashed.catch(() => undefined);
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await Promise.race([eventually(async () => (seen.length >= count ? true : undefined), `${count} messages on ${topic}`), crashed]);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

beforeAll(async () => {
  kafka = await startSecuredTestKafka();
  cluster = { brokers: [kafka.brokers], username: kafka.admin.username, password: kafka.admin.password };
  await addPublisher(cluster, 'varde-feed', 'publisher-secret');
  await addTrust(cluster, TRUST_A, 'trust-a-secret');
  await addTrust(cluster, TRUST_B, 'trust-b-secret');
}, 180_000);

afterAll(async () => {
  await kafka?.stop();
});

describe('public feed access on the broker: SCRAM users and per-trust ACLs', () => {
  it('lets the publisher create and write a trust’s topic, and that trust read it with its own consumer group', async () => {
    const topic = publicFeedTopic(TRUST_A, 'measurements');
    const publisher = client('varde-feed', 'publisher-secret');
    const admin = publisher.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = publisher.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'patient-1', value: 'for trust A' }] });
    await producer.disconnect();

    const read = await readAs(client(trustUser(TRUST_A), 'trust-a-secret'), topic, `varde.public.${TRUST_A}.${randomUUID()}`, 1);
    expect(read.map((m) => m.value?.toString())).toEqual(['for trust A']);
  });

  it('refuses a trust reading another trust’s topic (TOPIC_AUTHORIZATION_FAILED)', async () => {
    const topicOfA = publicFeedTopic(TRUST_A, 'measurements');
    const trustB = client(trustUser(TRUST_B), 'trust-b-secret');
    await expect(readAs(trustB, topicOfA, `varde.public.${TRUST_B}.${randomUUID()}`, 1)).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
  });

  it('refuses a trust a consumer group outside its prefix, a wrong password, and writing to its own topic', async () => {
    const trustA = client(trustUser(TRUST_A), 'trust-a-secret');
    // The broker answers FindCoordinator with GROUP_AUTHORIZATION_FAILED; kafkajs reports that as no coordinator found.
    await expect(readAs(trustA, publicFeedTopic(TRUST_A, 'measurements'), `varde.public.${TRUST_B}.stolen-group`, 1)).rejects.toThrow('Failed to find group coordinator');

    const wrong = client(trustUser(TRUST_A), 'not-the-password').admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|Authentication failed/i);

    const producer = trustA.producer();
    await producer.connect();
    await expect(producer.send({ topic: publicFeedTopic(TRUST_A, 'measurements'), messages: [{ value: 'forged' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await producer.disconnect();
  });

  it('ends a trust’s access when its ACLs are removed', async () => {
    await removeTrust(cluster, TRUST_B);
    const topicOfB = publicFeedTopic(TRUST_B, 'triage');
    const publisher = client('varde-feed', 'publisher-secret').admin();
    await publisher.connect();
    await publisher.createTopics({ topics: [{ topic: topicOfB, numPartitions: 1 }], waitForLeaders: true });
    await publisher.disconnect();
    await expect(readAs(client(trustUser(TRUST_B), 'trust-b-secret'), topicOfB, `varde.public.${TRUST_B}.${randomUUID()}`, 1)).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await addTrust(cluster, TRUST_B, 'trust-b-secret');
  });
});
