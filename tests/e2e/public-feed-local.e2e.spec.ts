import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { publicEventTypes, publicFeedTopic } from '@varde/contracts';
import { eventually, platformPortOffset, spo2Observation, syntheticNationalId } from '@varde/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { startPlatform, type RunningPlatform } from '../../deploy/local/platform';

const repoRoot = join(__dirname, '..', '..');
/** The health trust of the shipped organisation directory. */
const TRUST = '910000039';

/**
 * `npm start -- --feed`: the platform with the public event feed on a local broker of its own. A consenting
 * patient's measurement reaches the trust's own topic, read as the trust with the credentials the start prints.
 */
describe('the local platform with the public event feed (npm start -- --feed)', () => {
  let platform: RunningPlatform;
  let consumer: Consumer | undefined;
  const dataDir = join(repoRoot, '.data', 'test', `e2e-feed-${process.pid}`);
  const token = (role: 'clinician' | 'patient', patientId?: string) => mintDevToken({ role, ...(patientId ? { patientId } : {}), issuer: platform.issuer, keysDir: join(dataDir, 'dev-issuer') });
  const api = async (method: string, path: string, bearer: string, body: unknown) => {
    const response = await fetch(`${platform.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    platform = await startPlatform({ kafka: true, kafkaBrokers: inject('kafkaBrokers'), databaseUrl: inject('databaseUrl'), dataDir, portOffset: platformPortOffset(880), publicFeed: true, log: () => undefined });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes a consenting patient’s measurement on the trust’s own topic, read with the printed credentials', async () => {
    const trust = platform.publicFeed!.trusts.find((t) => t.organisationNumber === TRUST)!;
    expect(trust.username).toBe(`trust-${TRUST}`);
    const enrolled = await api('POST', '/api/enrolments', await token('clinician'), { patient: { nationalId: syntheticNationalId() }, pathway: 'copd' });
    expect(enrolled.status).toBe(201);
    const patientId = String(enrolled.body.patientId);
    const patient = await token('patient', patientId);
    const consent = await api('POST', '/fhir/Consent', patient, {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patientId}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'permit', actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: TRUST } } }] },
    });
    expect(consent.status).toBe(201);
    const measured = await api('POST', '/fhir/Observation', patient, spo2Observation(patientId, 94, new Date()));
    expect(measured.status).toBe(201);
    // The publisher creates each of the trust's topics with its first event there: the trust subscribes once the
    // measurements topic is (an event of another domain, such as the enrolment, may come first; a subscription to a
    // topic that does not exist yet is refused as unauthorised, since the trust may not create topics).
    const measurementsDelivered = new RegExp(`varde_public_feed_events_total\\{(?=[^}]*trust="${TRUST}")(?=[^}]*domain="measurements")[^}]*\\} [1-9]`);
    await eventually(async () => (measurementsDelivered.test(await (await fetch(`${platform.serviceUrl('sharing')}/metrics`)).text()) ? true : undefined), 'a measurement published for the trust');

    const kafka = new Kafka({ clientId: 'e2e-trust', brokers: [platform.publicFeed!.brokers], sasl: { mechanism: 'scram-sha-512', username: trust.username, password: trust.password }, logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `varde.public.${TRUST}.e2e-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: publicFeedTopic(TRUST, 'measurements'), fromBeginning: true });
    const received: { key: string; value: number }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = publicEventTypes['varde.public.measurements.v1.MeasurementRecorded'].decode(message.value!) as { value: number };
        received.push({ key: String(message.key), value: decoded.value });
      },
    });
    await eventually(async () => (received.some((r) => r.key === patientId && r.value === 94) ? true : undefined), 'the measurement on the trust’s topic');
  });
});
