import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { integrationEventTypes } from '@varde/contracts';
import { KafkaMessageBus } from '@varde/messaging';
import { freePort, freshSchema, startServiceProcess, startTestIssuer, syntheticNationalId, type ServiceProcess, type TestIssuer } from '@varde/testing';
import { startKafkaBroker, type KafkaBroker } from '../../deploy/local/kafka/broker';

const repoRoot = join(__dirname, '..', '..');

/**
 * Kafka is down when a service starts: it starts anyway, reports not-ready, keeps accepting writes into its
 * own event log, and once the broker is up it becomes ready and the relay publishes everything it held back.
 */
describe('Kafka outage at start-up', () => {
  let issuer: TestIssuer;
  let pathways: ServiceProcess;
  let broker: KafkaBroker | undefined;
  let brokers: string;
  const dataDir = join(repoRoot, '.data', 'test', `fault-kafka-${process.pid}`);
  let port: number;
  let controllerPort: number;

  beforeAll(async () => {
    port = await freePort();
    controllerPort = await freePort();
    brokers = `127.0.0.1:${port}`;
    issuer = await startTestIssuer();
    pathways = await startServiceProcess(
      'pathways',
      { DATABASE_URL: inject('databaseUrl'), OIDC_ISSUER: issuer.url, DB_SCHEMA: freshSchema('fault'), KAFKA_BROKERS: brokers },
      { waitFor: 'live' },
    );
  });

  afterAll(async () => {
    await pathways?.stop();
    await broker?.stop();
    await issuer?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts not-ready, accepts writes, and publishes them once the broker is back', async () => {
    const ready = await fetch(`${pathways.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'up', kafka: 'down' } });

    const patientIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${pathways.url}/api/enrolments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await issuer.token('clinician')}` },
        body: JSON.stringify({ patient: { nationalId: syntheticNationalId() }, pathway: 'copd' }),
      });
      expect(response.status).toBe(201);
      patientIds.push(((await response.json()) as { patientId: string }).patientId);
    }

    broker = await startKafkaBroker({ port, controllerPort, dataDir });
    const deadline = Date.now() + 90_000;
    while ((await fetch(`${pathways.url}/health/ready`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('pathways never became ready after Kafka came back');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const bus = new KafkaMessageBus({ brokers: [brokers], clientId: 'fault-test' });
    try {
      let enrolled: string[] = [];
      while (Date.now() < deadline) {
        enrolled = (await bus.readAll('varde.pathways.v1'))
          .filter((m) => m.type === 'varde.pathways.v1.PatientEnrolled')
          .map((m) => integrationEventTypes['varde.pathways.v1.PatientEnrolled'].decode(m.payload).patientId);
        if (patientIds.every((id) => enrolled.includes(id))) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // Every enrolment made during the outage is published, once.
      expect(enrolled.filter((id) => patientIds.includes(id)).sort()).toEqual([...patientIds].sort());
    } finally {
      await bus.close();
    }
  });
});
