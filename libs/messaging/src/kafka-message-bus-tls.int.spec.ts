import { randomUUID } from 'node:crypto';
import { startSecuredTestKafka, type SecuredTestKafka } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaMessageBus, type MessageBusLogger } from './kafka-message-bus';
import type { DeliveredMessage } from './message-bus';

const quiet: MessageBusLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('KafkaMessageBus over TLS (SASL_SSL, a private CA), as the public feed’s cluster is run', () => {
  let kafka: SecuredTestKafka;
  const buses: KafkaMessageBus[] = [];
  const bus = (ssl: ConstructorParameters<typeof KafkaMessageBus>[0]['ssl']) => {
    const created = new KafkaMessageBus({ brokers: [kafka.brokers], clientId: `tls-test-${randomUUID()}`, logger: quiet, sasl: { mechanism: 'scram-sha-512', username: kafka.admin.username, password: kafka.admin.password }, ...(ssl ? { ssl } : {}) });
    buses.push(created);
    return created;
  };

  beforeAll(async () => {
    kafka = await startSecuredTestKafka({ tls: true });
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(buses.map((b) => b.close()));
    await kafka?.stop();
  });

  it('publishes and delivers when it trusts the CA that signed the brokers’ certificate', async () => {
    const trusting = bus({ ca: [kafka.caPem!] });
    expect(await trusting.isHealthy()).toBe(true);
    const topic = `varde.test-tls-${randomUUID()}.v1`;
    await trusting.ensureTopics([topic]);
    const delivered: DeliveredMessage[] = [];
    const subscription = await trusting.subscribe({ groupId: `tls-${randomUUID()}`, topics: [topic], handler: async (message) => void delivered.push(message) });
    try {
      const id = randomUUID();
      const now = new Date().toISOString();
      await trusting.publish([{ id, type: 'varde.test.v1.Tick', source: 'varde/test', topic, key: 'p1', time: now, recordedTime: now, correlationId: 'c', causationId: 'c', payload: Uint8Array.of(1, 2, 3) }]);
      const deadline = Date.now() + 30_000;
      while (!delivered.some((m) => m.id === id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(delivered.map((m) => m.id)).toContain(id);
    } finally {
      await subscription.stop();
    }
  });

  it('refuses the brokers when their certificate is signed by a CA it was not given (the system’s CAs only), and over plain TCP', async () => {
    expect(await bus(true).isHealthy()).toBe(false);
    expect(await bus(undefined).isHealthy()).toBe(false);
  });
});
