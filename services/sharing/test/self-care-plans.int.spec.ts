import type { CarePlan, DocumentReference } from '@medplum/fhirtypes';
import { enrolPatient, eventually, syntheticNationalId, startServiceStack, startTestIssuer, type PmdPeer, type ServiceStack, type TestIssuer } from '@varde/testing';
import { PDFParse } from 'pdf-parse';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, figureToday, homeCareConsent, HOSPITAL, ORGNR, startPmd, type PmdUnderTest } from './pmd-under-test';

const databaseUrl = inject('databaseUrl');
const kafkaBrokers = inject('kafkaBrokers');

const PLAN = 'https://varde.no/fhir/sid/self-care-plan';
const PDF = 'https://varde.no/fhir/sid/self-care-plan-pdf';
const COPD_RED_NB = 'Ring lungepoliklinikken';
const HEART_FAILURE_RED_NB = 'Ring hjertepoliklinikken i dag.';
const HEART_FAILURE_RED_EN = 'Call the heart failure clinic today.';

let issuer: TestIssuer;
let pmd: PmdUnderTest;
let peer: PmdPeer;
let stack: ServiceStack;
let db: pg.Pool;

const sharingUrl = () => stack.services.sharing!.url;
const pathwaysUrl = () => stack.services.pathways!.url;
const ofPatient = <T extends CarePlan | DocumentReference>(resources: T[], nationalId: string) => resources.filter((r) => (r.subject as { identifier?: { value?: string } } | undefined)?.identifier?.value === nationalId);
const carePlans = async (nationalId: string) => ofPatient(await peer.resources<CarePlan>('CarePlan'), nationalId);
const documents = async (nationalId: string) => ofPatient(await peer.resources<DocumentReference>('DocumentReference'), nationalId);
const share = async (patientId: string) =>
  (await db.query<{ enrolment_id: string; pathway_id: string; version: number; sent_version: number; status: string }>(`SELECT enrolment_id, pathway_id, version, sent_version, status FROM ${stack.schemas.sharing}.self_care_plan_shares WHERE patient_id = $1`, [patientId])).rows[0];

/** Waits until sharing's self-care plan consumer has handled every ConsentChanged of the patient (seen in the auditor's timeline). */
async function consentsHandled(patientId: string, count: number): Promise<void> {
  const schema = stack.schemas.sharing;
  await eventually(async () => {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.audit_timeline t JOIN ${schema}.processed_messages p ON p.message_id = t.event_id AND p.group_id = 'sharing.self-care-plans'
       WHERE t.patient_id = $1 AND t.type = 'varde.sharing.v1.ConsentChanged'`,
      [patientId],
    );
    return Number(rows[0]!.n) >= count ? true : undefined;
  }, 'the consent changes handled by the self-care plan consumer');
}

async function enrolled(): Promise<{ patientId: string; nationalId: string; token: string }> {
  const nationalId = syntheticNationalId();
  const patientId = await enrolPatient(pathwaysUrl(), await issuer.token('clinician'), nationalId);
  return { patientId, nationalId, token: await issuer.token('patient', { patientId }) };
}
const giveConsent = async (patientId: string, token: string, classes?: readonly { system: string; code: string }[]): Promise<string> => {
  const given = await call(sharingUrl(), 'POST', '/fhir/Consent', token, homeCareConsent(patientId, 'active', classes));
  expect(given.status).toBe(201);
  return String(given.body.id);
};
const changeCourse = async (patientId: string, action: 'change-pathway' | 'discharge', body: Record<string, unknown>) => {
  const answer = await call(pathwaysUrl(), 'POST', `/api/enrolments/${patientId}/${action}`, await issuer.token('clinician'), body);
  expect(answer.status).toBe(200);
};
const pdfText = async (document: DocumentReference): Promise<string> => {
  const parser = new PDFParse({ data: new Uint8Array(Buffer.from(document.content[0]!.attachment.data!, 'base64')) });
  const text = (await parser.getText()).text.replace(/\s+/g, ' ');
  await parser.destroy();
  return text;
};

beforeAll(async () => {
  issuer = await startTestIssuer();
  pmd = await startPmd();
  peer = pmd.peer;
  stack = await startServiceStack(['pathways', 'sharing', 'measurements'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url, KAFKA_BROKERS: kafkaBrokers }, {
    sharing: { ...pmd.sharingEnv, SELF_CARE_PLAN_BASE_URL: peer.baseUrl, PMD_RETRY_BASE_MS: '200', PMD_RETRY_MAX_MS: '1000' },
  });
  db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.allSettled([pmd?.stop(), issuer?.close(), db?.end()]);
});

describe('self-care plans shared with the municipality and GP as FHIR CarePlan with a PDF', () => {
  it('shares a consenting patient’s plan once, updates the same CarePlan when the pathway changes and completes it at discharge', async () => {
    const { patientId, nationalId, token } = await enrolled();
    await giveConsent(patientId, token);
    const [plan] = await eventually(async () => ((await carePlans(nationalId)).length > 0 && (await documents(nationalId)).length > 0 ? carePlans(nationalId) : undefined), 'the CarePlan and its PDF at the receiver');
    const { enrolment_id: enrolmentId } = (await share(patientId))!;
    expect(plan).toMatchObject({
      identifier: [{ system: PLAN, value: enrolmentId }],
      status: 'active',
      intent: 'plan',
      instantiatesCanonical: ['https://varde.no/fhir/PlanDefinition/copd|1'],
      subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId } },
      author: { identifier: { system: ORGNR, value: HOSPITAL } },
      supportingInfo: [{ identifier: { system: PDF, value: enrolmentId } }],
    });
    expect(plan!.activity!.map((a) => a.detail?.code?.coding?.[0]?.code)).toEqual(['green', 'yellow', 'red']);
    expect(plan!.activity![2]!.detail!.description).toContain(COPD_RED_NB);
    const [document] = await documents(nationalId);
    expect(document).toMatchObject({ identifier: [{ system: PDF, value: enrolmentId }], status: 'current', content: [{ attachment: { contentType: 'application/pdf' } }], context: { related: [{ identifier: { system: PLAN, value: enrolmentId } }] } });
    const text = await pdfText(document!);
    for (const expected of ['Egenbehandlingsplan / Self-care plan', 'KOLS', nationalId, HOSPITAL, 'Rød / Red', COPD_RED_NB]) expect(text).toContain(expected);
    expect(await share(patientId)).toMatchObject({ version: 1, sent_version: 1, status: 'sent' });
    expect(await figureToday(sharingUrl(), await issuer.token('auditor'), 'pathways-with-municipality-self-care-plan')).toEqual({ copd: 1 });

    // The clinician moves the patient to the heart-failure pathway: its plan replaces COPD's in the same resources.
    const firstVersion = plan!.meta!.versionId;
    await changeCourse(patientId, 'change-pathway', { pathway: 'heart-failure', reason: 'heart failure diagnosed' });
    const [changed] = await eventually(async () => {
      const found = await carePlans(nationalId);
      return found[0]?.instantiatesCanonical?.[0]?.includes('heart-failure') ? found : undefined;
    }, 'the changed plan at the receiver');
    expect(changed!.meta!.versionId).not.toBe(firstVersion);
    expect(changed!.activity![2]!.detail).toMatchObject({ description: expect.stringContaining(HEART_FAILURE_RED_NB) });
    expect(JSON.stringify(changed!.activity![2]!.detail)).toContain(HEART_FAILURE_RED_EN);
    await eventually(async () => ((await share(patientId))?.status === 'sent' ? true : undefined), 'the change acknowledged');
    const documentsNow = await documents(nationalId);
    expect(documentsNow).toHaveLength(1);
    expect(await pdfText(documentsNow[0]!)).toContain(HEART_FAILURE_RED_NB);

    const dischargeAsked = Date.now();
    await changeCourse(patientId, 'discharge', { reason: 'completed' });
    const [completed] = await eventually(async () => {
      const found = await carePlans(nationalId);
      return found[0]?.status === 'completed' ? found : undefined;
    }, 'the completed plan at the receiver');
    // The plan's period ends when the patient was discharged: after the discharge was asked for, after its start.
    const ended = Date.parse(completed!.period!.end!);
    expect(ended).toBeGreaterThanOrEqual(dischargeAsked);
    expect(ended).toBeLessThanOrEqual(Date.now());
    expect(ended).toBeGreaterThan(Date.parse(completed!.period!.start!));
    expect(await carePlans(nationalId)).toHaveLength(1);
    expect(await documents(nationalId)).toHaveLength(1);
  });

  it('shares nothing without a consent covering the municipality and care plans', async () => {
    const { patientId, nationalId, token } = await enrolled();
    // The enrolment was looked at (the row is written in the same transaction as the decision): nothing queued.
    await eventually(async () => ((await share(patientId)) ? true : undefined), 'the enrolment seen by sharing');
    expect(await share(patientId)).toMatchObject({ version: 0, status: 'none' });
    // A consent for measurements only does not cover the plan.
    await giveConsent(patientId, token, [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }]);
    await consentsHandled(patientId, 1);
    expect(await share(patientId)).toMatchObject({ version: 0, status: 'none' });
    expect(await carePlans(nationalId)).toEqual([]);
    expect(await documents(nationalId)).toEqual([]);
  });

  it('revokes a shared plan once when the consent is withdrawn, and sends nothing more', async () => {
    const { patientId, nationalId, token } = await enrolled();
    const consentId = await giveConsent(patientId, token, [{ system: 'http://hl7.org/fhir/resource-types', code: 'CarePlan' }]);
    await eventually(async () => ((await documents(nationalId)).length === 1 ? true : undefined), 'the plan shared');
    const withdrawn = await call(sharingUrl(), 'PUT', `/fhir/Consent/${consentId}`, token, { ...homeCareConsent(patientId, 'inactive', [{ system: 'http://hl7.org/fhir/resource-types', code: 'CarePlan' }]), id: consentId });
    expect(withdrawn.status).toBe(200);
    const [revoked] = await eventually(async () => {
      const found = await carePlans(nationalId);
      return found[0]?.status === 'revoked' && (await share(patientId))?.status === 'sent' ? found : undefined;
    }, 'the plan revoked at the receiver');
    expect(revoked!.activity ?? []).toEqual([]);
    expect(await documents(nationalId)).toEqual([]);
    const revokedVersion = revoked!.meta!.versionId;

    // A later change of the plan is not shared: the consumer has handled it (the row names the new pathway) and nothing was queued.
    await changeCourse(patientId, 'change-pathway', { pathway: 'heart-failure' });
    await eventually(async () => ((await share(patientId))?.pathway_id === 'heart-failure' ? true : undefined), 'the change seen by sharing');
    expect(await share(patientId)).toMatchObject({ version: 2, sent_version: 2, status: 'sent' });
    const [still] = await carePlans(nationalId);
    expect(still).toMatchObject({ status: 'revoked', meta: { versionId: revokedVersion } });
    expect(still!.instantiatesCanonical).toEqual(['https://varde.no/fhir/PlanDefinition/copd|1']);
  });
});
