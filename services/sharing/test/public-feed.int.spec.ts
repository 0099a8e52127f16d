import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PUBLIC_FEED_DOMAINS, publicEventTypes, publicFeedTopic, type IntegrationEventCodec, type PublicEventType } from '@varde/contracts';
import { enrolPatient, eventually, spo2Observation, startSecuredTestKafka, startServiceStack, startTestIssuer, syntheticNationalId, type SecuredTestKafka, type ServiceStack, type TestIssuer } from '@varde/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addPublisher, addTrust, removePublisher, trustUser, type FeedCluster } from '../../../scripts/feed/feed-access';
import { INCLUDE_NATIONAL_ID_EXTENSION } from '../src/api/consent.resource';
import { SHIPPED_ORGANISATIONS_FILE } from '../src/infrastructure/file-organisation-directory';
import { call, figureToday, ORGNR } from './pmd-under-test';

const databaseUrl = inject('databaseUrl');
const kafkaBrokers = inject('kafkaBrokers');

/** Two health trusts: A is in the shipped example organisations, B is added for this test. */
const TRUST_A = '910000039';
const TRUST_B = '910000063';
const password = (trust: string): string => `secret-of-${trust}`;

/** A public event as a trust's consumer receives it. */
type Received = Readonly<{ topic: string; type: string; id: string; key: string; message: Record<string, unknown> & { patient?: { patientId: string; nationalId: string } } }>;

let issuer: TestIssuer;
let feedKafka: SecuredTestKafka;
let stack: ServiceStack;
let orgDir: string;
let caFile: string;
let cluster: FeedCluster;
const metrics = async (): Promise<string> => (await fetch(`${stack.services.sharing!.url}/metrics`)).text();
const consumers: Consumer[] = [];
const received: Record<string, Received[]> = { [TRUST_A]: [], [TRUST_B]: [] };

// The feed's cluster as in production: SASL over TLS, the brokers' certificates signed by a CA every client is given.
const trustKafka = (trust: string): Kafka =>
  new Kafka({ clientId: `trust-${trust}`, brokers: [feedKafka.brokers], ssl: { ca: [feedKafka.caPem!] }, sasl: { mechanism: 'scram-sha-512', username: trustUser(trust), password: password(trust) }, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 300 } });

/** Reads every topic of `trust` as that trust would, from the beginning, into `received[trust]`. */
async function subscribeAs(trust: string): Promise<void> {
  const consumer = trustKafka(trust).consumer({ groupId: `varde.public.${trust}.test-${randomUUID()}` });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: PUBLIC_FEED_DOMAINS.map((d) => publicFeedTopic(trust, d)), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const type = String(message.headers?.['ce_type']);
      const codec = publicEventTypes[type as PublicEventType] as IntegrationEventCodec<unknown>;
      received[trust]!.push({ topic, type, id: String(message.headers?.['ce_id']), key: String(message.key), message: codec.decode(message.value!) as Received['message'] });
    },
  });
}

const of = (trust: string, patientId: string, type: PublicEventType): Received[] => received[trust]!.filter((r) => r.type === type && r.message.patient?.patientId === patientId);

const trustConsent = (patientId: string, trust: string, options: { status?: string; nationalId?: boolean } = {}) => ({
  resourceType: 'Consent',
  status: options.status ?? 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: `Patient/${patientId}` },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  ...(options.nationalId ? { extension: [{ url: INCLUDE_NATIONAL_ID_EXTENSION, valueBoolean: true }] } : {}),
  provision: { type: 'permit', actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { identifier: { system: ORGNR, value: trust } } }] },
});

let second = 0;
const consent = async (patientId: string, token: string, body: Record<string, unknown>, id?: string): Promise<string> => {
  const given = await call(stack.services.sharing!.url, id ? 'PUT' : 'POST', id ? `/fhir/Consent/${id}` : '/fhir/Consent', token, id ? { ...body, id } : body);
  expect(given.status).toBe(id ? 200 : 201);
  return String(given.body.id);
};
const measure = async (patientId: string, token: string, value: number): Promise<string> => {
  const recorded = await call(stack.services.measurements!.url, 'POST', '/fhir/Observation', token, spo2Observation(patientId, value, new Date(Date.now() - 600_000 + ++second * 1000)));
  expect(recorded.status).toBe(201);
  return String(recorded.body.id);
};

beforeAll(async () => {
  issuer = await startTestIssuer();
  feedKafka = await startSecuredTestKafka({ tls: true });
  orgDir = mkdtempSync(join(tmpdir(), 'feed-orgs-'));
  caFile = join(orgDir, 'feed-ca.pem');
  writeFileSync(caFile, feedKafka.caPem!);
  cluster = { brokers: [feedKafka.brokers], username: feedKafka.admin.username, password: feedKafka.admin.password, tls: { caFile } };
  await addPublisher(cluster, 'varde-feed', 'publisher-secret');
  await addTrust(cluster, TRUST_A, password(TRUST_A));
  await addTrust(cluster, TRUST_B, password(TRUST_B));
  // The operator creates each trust's topics when the trust subscribes (the publisher would create them on first use).
  const admin = new Kafka({ clientId: 'feed-admin', brokers: [feedKafka.brokers], ssl: { ca: [feedKafka.caPem!] }, sasl: { mechanism: 'scram-sha-512', username: cluster.username, password: cluster.password }, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [TRUST_A, TRUST_B].flatMap((t) => PUBLIC_FEED_DOMAINS.map((d) => ({ topic: publicFeedTopic(t, d), numPartitions: 3 }))) });
  await admin.disconnect();

  const organisations = JSON.parse(readFileSync(SHIPPED_ORGANISATIONS_FILE, 'utf8')) as { organisations: unknown[] };
  organisations.organisations.push({ organisationNumber: TRUST_B, name: 'Annet helseforetak HF', kind: 'health-trust' });
  writeFileSync(join(orgDir, 'organisations.json'), JSON.stringify(organisations));

  stack = await startServiceStack(['pathways', 'sharing', 'measurements', 'triage', 'forms'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, KAFKA_BROKERS: kafkaBrokers }, {
    sharing: { SHARING_ORGANISATIONS_FILE: join(orgDir, 'organisations.json'), PUBLIC_FEED_BROKERS: feedKafka.brokers, PUBLIC_FEED_USERNAME: 'varde-feed', PUBLIC_FEED_PASSWORD: 'publisher-secret', PUBLIC_FEED_TLS: 'true', PUBLIC_FEED_TLS_CA_FILE: caFile },
  });
  await Promise.all([subscribeAs(TRUST_A), subscribeAs(TRUST_B)]);
}, 300_000);

afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await stack?.stop();
  await Promise.allSettled([feedKafka?.stop(), issuer?.close()]);
  if (orgDir) rmSync(orgDir, { recursive: true, force: true });
});

describe('public event feed for other health trusts', () => {
  let patientId: string;
  let nationalId: string;
  let patientToken: string;
  let consentToA: string;

  it('delivers a consenting patient’s measurement and triage result to the trust the consent names only, without the national id', async () => {
    nationalId = syntheticNationalId();
    patientId = await enrolPatient(stack.services.pathways!.url, await issuer.token('clinician'), nationalId);
    patientToken = await issuer.token('patient', { patientId });
    consentToA = await consent(patientId, patientToken, trustConsent(patientId, TRUST_A));
    const measurementId = await measure(patientId, patientToken, 93);

    const [recorded] = await eventually(async () => (of(TRUST_A, patientId, 'varde.public.measurements.v1.MeasurementRecorded').length > 0 ? of(TRUST_A, patientId, 'varde.public.measurements.v1.MeasurementRecorded') : undefined), 'the measurement on trust A’s topic');
    expect(recorded!.topic).toBe(`varde.public.${TRUST_A}.measurements.v1`);
    expect(recorded!.key).toBe(patientId);
    expect(recorded!.message).toMatchObject({ patient: { patientId, nationalId: '' }, measurementId, code: { system: 'http://loinc.org', code: '2708-6' }, value: 93, unit: '%' });
    const [triaged] = await eventually(async () => (of(TRUST_A, patientId, 'varde.public.triage.v1.PatientTriaged').length > 0 ? of(TRUST_A, patientId, 'varde.public.triage.v1.PatientTriaged') : undefined), 'the triage result on trust A’s topic');
    expect(triaged!.topic).toBe(`varde.public.${TRUST_A}.triage.v1`);
    expect(triaged!.message.patient).toEqual({ patientId, nationalId: '' });
    expect(JSON.stringify(received[TRUST_A])).not.toContain(nationalId);
    expect(received[TRUST_B]!.filter((r) => r.key === patientId)).toEqual([]);
  });

  it('sends the national id only to the trust whose consent allows it', async () => {
    await consent(patientId, patientToken, trustConsent(patientId, TRUST_B, { nationalId: true }));
    const measurementId = await measure(patientId, patientToken, 94);
    const atB = await eventually(async () => of(TRUST_B, patientId, 'varde.public.measurements.v1.MeasurementRecorded').find((r) => r.message.measurementId === measurementId), 'the measurement on trust B’s topic');
    expect(atB.message.patient).toEqual({ patientId, nationalId });
    const atA = await eventually(async () => of(TRUST_A, patientId, 'varde.public.measurements.v1.MeasurementRecorded').find((r) => r.message.measurementId === measurementId), 'the measurement on trust A’s topic');
    expect(atA.message.patient).toEqual({ patientId, nationalId: '' });
    expect(atA.id).toBe(atB.id);
  });

  it('delivers a consenting patient’s form scores to the trust the consent names only', async () => {
    const formPatient = await enrolPatient(stack.services.pathways!.url, await issuer.token('clinician'), syntheticNationalId());
    const token = await issuer.token('patient', { patientId: formPatient });
    await consent(formPatient, token, trustConsent(formPatient, TRUST_A));
    const questionnaire = await call(stack.services.forms!.url, 'GET', '/fhir/Questionnaire/cat', token);
    expect(questionnaire.status).toBe(200);
    const answers = [3, 3, 3, 3, 3, 3, 3, 2];
    const response = await eventually(async () => {
      const answered = await call(stack.services.forms!.url, 'POST', '/fhir/QuestionnaireResponse', token, {
        resourceType: 'QuestionnaireResponse',
        questionnaire: 'https://varde.no/fhir/Questionnaire/cat',
        status: 'completed',
        subject: { reference: `Patient/${formPatient}` },
        authored: new Date().toISOString(),
        item: (questionnaire.body.item as { linkId: string }[]).map((item, i) => ({ linkId: item.linkId, answer: [{ valueInteger: answers[i] }] })),
      });
      // The CAT is assigned once forms has consumed PatientEnrolled; until then a response is refused.
      return answered.status === 201 ? answered : undefined;
    }, 'the CAT response accepted');

    const [scored] = await eventually(async () => (of(TRUST_A, formPatient, 'varde.public.forms.v1.QuestionnaireScored').length > 0 ? of(TRUST_A, formPatient, 'varde.public.forms.v1.QuestionnaireScored') : undefined), 'the form score on trust A’s topic');
    expect(scored!.topic).toBe(`varde.public.${TRUST_A}.forms.v1`);
    expect(scored!.key).toBe(formPatient);
    expect(scored!.message).toMatchObject({ patient: { patientId: formPatient, nationalId: '' }, responseId: response.body.id, questionnaireUrl: 'https://varde.no/fhir/Questionnaire/cat', scores: [{ code: { code: 'CAT' }, value: 23 }] });
    // The same event goes to every receiver at once: once A has it, B would have had it too.
    expect(received[TRUST_B]!.filter((r) => r.key === formPatient)).toEqual([]);
  });

  it('stops the feed to a trust whose consent is withdrawn, and only to that trust', async () => {
    await consent(patientId, patientToken, trustConsent(patientId, TRUST_A, { status: 'inactive' }), consentToA);
    const measurementId = await measure(patientId, patientToken, 95);
    // The same event goes to every receiver at once: once B has it, A would have had it too.
    await eventually(async () => of(TRUST_B, patientId, 'varde.public.measurements.v1.MeasurementRecorded').find((r) => r.message.measurementId === measurementId), 'the measurement on trust B’s topic');
    expect(of(TRUST_A, patientId, 'varde.public.measurements.v1.MeasurementRecorded').map((r) => r.message.measurementId)).not.toContain(measurementId);
  });

  it('tells the trust of a discharge and a new enrolment', async () => {
    const clinician = await issuer.token('clinician');
    const discharged = await call(stack.services.pathways!.url, 'POST', `/api/enrolments/${patientId}/discharge`, clinician, { reason: 'completed' });
    expect(discharged.status).toBe(200);
    const [atB] = await eventually(async () => (of(TRUST_B, patientId, 'varde.public.pathways.v1.PatientDischarged').length > 0 ? of(TRUST_B, patientId, 'varde.public.pathways.v1.PatientDischarged') : undefined), 'the discharge on trust B’s topic');
    expect(atB!.message).toMatchObject({ patient: { patientId, nationalId }, pathwayId: 'copd' });
    expect(await enrolPatient(stack.services.pathways!.url, clinician, nationalId)).toBe(patientId);
    await eventually(async () => (of(TRUST_B, patientId, 'varde.public.pathways.v1.PatientEnrolled').length > 0 ? true : undefined), 'the new enrolment on trust B’s topic');
    expect(of(TRUST_A, patientId, 'varde.public.pathways.v1.PatientDischarged')).toEqual([]);
  });

  it('keeps events while the feed’s cluster refuses Varde, and delivers them once it takes them again (nothing dead-lettered)', async () => {
    await removePublisher(cluster, 'varde-feed');
    let restored = false;
    try {
      const measurementId = await measure(patientId, patientToken, 96);
      // The feed consumer has tried (and been refused) before the publisher gets its rights back.
      await eventually(async () => ((await metrics()).match(/varde_messages_consumed_total\{[^}]*group="sharing\.public-feed"[^}]*outcome="retried"[^}]*\} [1-9]/) ? true : undefined), 'a refused try');
      await addPublisher(cluster, 'varde-feed', 'publisher-secret');
      restored = true;
      await eventually(async () => of(TRUST_B, patientId, 'varde.public.measurements.v1.MeasurementRecorded').find((r) => r.message.measurementId === measurementId), 'the measurement on trust B’s topic', 60_000);
      expect(await metrics()).not.toMatch(/varde_messages_consumed_total\{[^}]*group="sharing\.public-feed"[^}]*outcome="dead_lettered"[^}]*\} [1-9]/);
    } finally {
      if (!restored) await addPublisher(cluster, 'varde-feed', 'publisher-secret');
    }
  });

  it('is read by the example consumer of examples/ (its own package, only the published .proto files)', async () => {
    const example = spawn(process.execPath, ['consume.js'], {
      cwd: join(__dirname, '../../../examples/trust-consumer'),
      env: { PATH: process.env['PATH'], FEED_BROKERS: feedKafka.brokers, FEED_TLS: 'true', FEED_TLS_CA_FILE: caFile, TRUST_ORGNR: TRUST_B, TRUST_PASSWORD: password(TRUST_B), FEED_GROUP: `varde.public.${TRUST_B}.example-${randomUUID()}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    example.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
    example.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
    try {
      const lines = await eventually(async () => {
        const events = output.split('\n').filter((l) => l.startsWith('{"topic"')).map((l) => JSON.parse(l) as { type: string; id: string; event: { patient: { patientId: string; nationalId: string }; measurementId?: string; value?: number; dischargedAt?: string } });
        // Everything trust B's own test consumer read (all of it sent before this test) is there.
        return events.length >= received[TRUST_B]!.length ? events : undefined;
      }, `the example consumer to print trust B’s events (output so far: ${output.slice(0, 300)})`, 60_000);
      const measurement = lines.find((e) => e.type === 'varde.public.measurements.v1.MeasurementRecorded' && e.event.value === 95);
      expect(measurement?.event.patient).toEqual({ patientId, nationalId });
      const discharge = lines.find((e) => e.type === 'varde.public.pathways.v1.PatientDischarged');
      expect(discharge?.event.dischargedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(new Set(lines.map((e) => e.id)).size).toBe(lines.length);
      expect(lines.length).toBe(received[TRUST_B]!.length);
      expect(lines.some((e) => e.type === 'varde.public.pathways.v1.PatientEnrolled' && e.event.patient.patientId === patientId)).toBe(true);
    } finally {
      example.kill('SIGTERM');
      await new Promise((resolve) => (example.exitCode !== null ? resolve(undefined) : example.once('exit', resolve)));
    }
  });

  it('counts what each trust received in the strategy figures (GET /api/figures)', async () => {
    const auditor = await issuer.token('auditor');
    // Every event a trust's consumer read is counted once (a count is written with the event handled).
    const counted = await eventually(async () => {
      const now = await figureToday(stack.services.sharing!.url, auditor, 'feed-events-delivered');
      return now[TRUST_A] === received[TRUST_A]!.length && now[TRUST_B] === received[TRUST_B]!.length ? now : undefined;
    }, 'the figure to match what each trust received');
    expect(counted[TRUST_A]).toBeGreaterThanOrEqual(3);
    expect(counted[TRUST_B]).toBeGreaterThanOrEqual(4);
  });

  it('refuses a trust reading another trust’s feed (TOPIC_AUTHORIZATION_FAILED from the broker)', async () => {
    const consumer = trustKafka(TRUST_B).consumer({ groupId: `varde.public.${TRUST_B}.${randomUUID()}` });
    consumers.push(consumer);
    await consumer.connect();
    // The broker refuses the topic's metadata to B, so B's consumer cannot even subscribe to it.
    await expect(consumer.subscribe({ topic: publicFeedTopic(TRUST_A, 'measurements'), fromBeginning: true })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
  });
});
