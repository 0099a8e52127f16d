import { randomUUID } from 'node:crypto';
import { eventually, startServiceStack, startTestIssuer, syntheticNationalId, type ServiceProcess, type ServiceStack, type TestIssuer } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Bodies are checked field by field with toMatchObject; a loose type keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonBody = Record<string, any>;

const databaseUrl = inject('databaseUrl');
const CAT = 'https://varde.no/fhir/Questionnaire/cat';
const HF_SYMPTOMS = 'https://varde.no/fhir/Questionnaire/hf-symptoms';
let issuer: TestIssuer;
let pathways: ServiceProcess;
let forms: ServiceProcess;
let stack: ServiceStack;

beforeAll(async () => {
  issuer = await startTestIssuer();
  // A bus of their own (the stack's): what forms' catalogue and assignments hold comes from this pathways alone.
  // Sharing decides a clinician's reads in forms (CheckAccess, the policy decision point) and keeps their access log;
  // pathways asks triage whether a PlanDefinition's rule set exists.
  stack = await startServiceStack(['pathways', 'sharing', 'triage', 'forms'], { DATABASE_URL: databaseUrl, OIDC_ISSUER: issuer.url });
  ({ pathways, forms } = stack.services as Record<'pathways' | 'forms', ServiceProcess>);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await issuer?.close();
});

async function call(service: ServiceProcess, method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}

/** Enrols a new synthetic patient on `pathway` with its default care team; the patient id. */
async function enrol(pathway: string, careTeam: string): Promise<string> {
  const enrolled = await call(pathways, 'POST', '/api/enrolments', await issuer.token('clinician', { careTeams: [careTeam] }), { patient: { nationalId: syntheticNationalId() }, pathway });
  expect(enrolled.status).toBe(201);
  return enrolled.body.patientId as string;
}

/** The questionnaires (url|version) assigned to the patient, once at least `count` are. */
async function assignedTo(patientId: string, careTeam: string, count: number): Promise<string[]> {
  const token = await issuer.token('clinician', { careTeams: [careTeam] });
  return eventually(async () => {
    const { body } = await call(forms, 'GET', `/api/patients/${patientId}/form-assignments`, token);
    const found = ((body.assignments ?? []) as JsonBody[]).map((a) => `${a.questionnaireUrl}|${a.questionnaireVersion}`);
    return found.length >= count ? found : undefined;
  }, `${count} assignment(s) for the patient`);
}

/** The active catalogue entry for a questionnaire url in forms, once it is there. */
const inCatalogue = async (url: string): Promise<JsonBody> =>
  eventually(async () => {
    const { body } = await call(forms, 'GET', `/fhir/Questionnaire?url=${encodeURIComponent(url)}&status=active`, await issuer.token('clinician'));
    return body.total === 1 ? (body.entry[0].resource as JsonBody) : undefined;
  }, `${url} in forms' catalogue`);

describe('forms follows the pathway definitions (pathways → forms)', () => {
  it("adds the questionnaire the shipped heart-failure pathway brings to forms' catalogue", async () => {
    const questionnaire = await inCatalogue(HF_SYMPTOMS);
    expect(questionnaire).toMatchObject({ resourceType: 'Questionnaire', id: 'hf-symptoms', url: HF_SYMPTOMS, version: '1', status: 'active' });
    expect(questionnaire.item.map((i: JsonBody) => i.linkId)).toEqual(['breathlessness', 'orthopnoea', 'ankle-swelling']);
  });

  it('assigns at enrolment the questionnaires of the pathway: COPD the CAT, heart failure its symptoms form and not the CAT', async () => {
    await inCatalogue(HF_SYMPTOMS);
    const copd = await enrol('copd', 'copd-care-team');
    const heartFailure = await enrol('heart-failure', 'hjertesvikt-care-team');
    expect(await assignedTo(copd, 'copd-care-team', 1)).toEqual([`${CAT}|1`]);
    expect(await assignedTo(heartFailure, 'hjertesvikt-care-team', 1)).toEqual([`${HF_SYMPTOMS}|1`]);
  });

  it('a pathway imported as a transaction Bundle brings its new Questionnaire into forms, and enrolments on it are assigned that form', async () => {
    const name = `ankle-check-${randomUUID().slice(0, 8)}`;
    const questionnaireUrl = `https://ahus.example/fhir/Questionnaire/${name}`;
    const questionnaire = {
      resourceType: 'Questionnaire', url: questionnaireUrl, version: '1', status: 'active', title: 'Ankelsjekk / Ankle check',
      item: [{ linkId: 'swelling', type: 'boolean', text: 'Er anklene hovne? / Are your ankles swollen?', required: true }],
    };
    const activity = {
      resourceType: 'ActivityDefinition', url: `https://ahus.example/fhir/ActivityDefinition/${name}`, version: '1', status: 'active', title: 'Ankelsjekk / Ankle check', kind: 'Task',
      extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire', valueCanonical: `${questionnaireUrl}|1` }],
      timingTiming: {
        repeat: { frequency: 1, period: 1, periodUnit: 'wk', dayOfWeek: ['tue'], timeOfDay: ['09:00:00'] },
        extension: [{ url: 'https://varde.no/fhir/StructureDefinition/task-window', valueDuration: { value: 1, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' } }],
      },
    };
    const plan = {
      resourceType: 'PlanDefinition', url: `https://ahus.example/fhir/PlanDefinition/${name}`, version: '1', name: 'AnkleCheck', title: 'Ankelsjekk', status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/plan-definition-type', code: 'clinical-protocol' }] },
      extension: [
        { url: 'https://varde.no/fhir/StructureDefinition/pathway-rule-set', valueString: 'copd-default' },
        { url: 'https://varde.no/fhir/StructureDefinition/pathway-default-care-team', valueString: 'copd-care-team' },
        ...['green', 'yellow', 'red'].map((colour) => ({
          url: 'https://varde.no/fhir/StructureDefinition/pathway-self-care-plan',
          extension: [{ url: 'colour', valueCode: colour }, { url: 'nb', valueString: `Egenbehandling ved ${colour}` }, { url: 'en', valueString: `Self-care at ${colour}` }],
        })),
      ],
      action: [{ title: 'Ankelsjekk / Ankle check', definitionCanonical: `${activity.url}|1` }],
    };
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [plan, activity, questionnaire].map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })) };
    const imported = await call(pathways, 'POST', '/fhir/PlanDefinition/$import', await issuer.token('pathway-designer'), bundle);
    expect(imported.status).toBe(200);

    const published = await inCatalogue(questionnaireUrl);
    expect(published).toMatchObject({ id: name, url: questionnaireUrl, version: '1', title: 'Ankelsjekk / Ankle check', item: [{ linkId: 'swelling', type: 'boolean', required: true }] });
    const patientId = await enrol(name, 'copd-care-team');
    expect(await assignedTo(patientId, 'copd-care-team', 1)).toEqual([`${questionnaireUrl}|1`]);
  });
});
