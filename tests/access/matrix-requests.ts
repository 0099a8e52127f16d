import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '@varde/core';
import { optOutConsent, spo2Observation } from '@varde/testing';
import heartFailureBundle from '../../services/pathways/pathways/heart-failure.json';
import type { MatrixCell } from './access-matrix';

/**
 * The patient a cell is about as a request names them: by internal id, or (a person to enrol, a child) by national id;
 * on a route naming a stored resource, that patient's resource (`resourceId`, absent for the unknown patient).
 */
export type RequestPatient = Readonly<{ patientId: string; nationalId: string; resourceId?: string }>;

/** What the matrix sets up before it asks: the caller's care team and resources of the own patient that requests name. */
export type MatrixFixtures = Readonly<{
  careTeam: string;
  /** A Consent of the own patient for each role to update (one each, so no two cells race for one version). */
  consentOf: Readonly<Record<Role, string>>;
}>;

/** What a cell's request carries beyond the path the matrix built. */
export type CellRequest = Readonly<{
  /** Query parameters the route requires. */
  query?: string;
  /** The id to put where the matrix put an id of nothing: a resource that exists, or a new one an update creates. */
  id?: string;
  /** The JSON body. */
  body?: unknown;
}>;

type RequestOf = (patient: RequestPatient, cell: MatrixCell, fixtures: MatrixFixtures) => CellRequest;

const CAT = 'https://varde.no/fhir/Questionnaire/cat';
const CAT_ITEMS = ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'];
/** A CAT answer of the patient (the COPD pathway's questionnaire), answered a minute ago. */
export const catResponse = (patientId: string) => ({
  resourceType: 'QuestionnaireResponse',
  questionnaire: `${CAT}|1`,
  status: 'completed',
  subject: { reference: `Patient/${patientId}` },
  authored: new Date(Date.now() - 60_000).toISOString(),
  item: CAT_ITEMS.map((linkId) => ({ linkId, answer: [{ valueInteger: 2 }] })),
});
const questionnaireDraft = (id?: string) => ({
  resourceType: 'Questionnaire',
  ...(id ? { id } : {}),
  status: 'draft',
  url: `https://varde.no/fhir/Questionnaire/matrix-${randomUUID()}`,
  version: '1',
  item: [{ linkId: 'a', type: 'boolean', text: 'Slept well?' }],
});
/** The shipped heart-failure pathway under a new canonical url (its PlanDefinition first, then its activities). */
const heartFailureAt = (url: string) => {
  const [plan, ...rest] = (heartFailureBundle.entry as { resource: Record<string, unknown> }[]).map((e) => structuredClone(e.resource));
  return [{ ...plan!, url }, ...rest];
};
const newPathwayUrl = () => `https://varde.no/fhir/PlanDefinition/matrix-${randomUUID()}`;
const copdRuleSet = readFileSync(join(__dirname, '..', '..', 'services', 'triage', 'rule-sets', 'copd-default.yaml'), 'utf8');
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
/** A what-if of the COPD rule set as published, over the last hour (every COPD patient triage knows). */
export const whatIfOverTheLastHour = () => ({ pathwayId: 'copd', candidate: copdRuleSet, from: minutesAgo(60), to: minutesAgo(0) });
/** The patient's block against a health professional no matrix token is: it changes no cell's answer. */
export const blockOfNobody = (patientId: string) =>
  optOutConsent(patientId, { actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] }, reference: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '1000001' } } }] });

/**
 * For every route that reads a body or requires a query, a request that is valid for the cell's patient: the permitted
 * role gets past validation (a 2xx, or a domain answer such as 404 for an id of nothing or 409/422 for a state), so a
 * denied cell answered 400/404 as its permitted twin cannot hide a missing access check. Bodies name the cell's patient
 * where the route takes the patient from the body. `access-matrix.spec.ts` fails for a route that reads a body and is
 * not here, and for an entry naming no route.
 */
export const REQUESTS: Readonly<Record<string, RequestOf>> = {
  // forms
  'forms POST /api/patients/:patientId/form-assignments': () => ({ body: { questionnaire: `${CAT}|1` } }),
  'forms GET /fhir/Questionnaire/:id/$populate': () => ({ id: 'cat' }),
  'forms POST /fhir/Questionnaire': () => ({ body: questionnaireDraft() }),
  'forms PUT /fhir/Questionnaire/:id': () => {
    const id = randomUUID();
    return { id, body: questionnaireDraft(id) };
  },
  'forms POST /fhir/QuestionnaireResponse': ({ patientId }) => ({ body: catResponse(patientId) }),
  'forms PUT /fhir/QuestionnaireResponse/:id': ({ patientId }) => {
    const id = randomUUID();
    return { id, body: { ...catResponse(patientId), id } };
  },
  // measurements
  'measurements GET /api/patients/:patientId/measurements/series': () => ({ query: 'code=2708-6' }),
  'measurements GET /api/patients/:patientId/measurements/streams/samples': () => ({ query: `code=59408-5&from=${minutesAgo(60)}&to=${minutesAgo(0)}` }),
  'measurements GET /api/patients/:patientId/measurements/streams/aggregates': () => ({ query: `code=59408-5&from=${minutesAgo(60)}&to=${minutesAgo(0)}&window=300` }),
  'measurements POST /fhir/Observation': ({ patientId }) => ({ body: spo2Observation(patientId, 96) }),
  'measurements PUT /fhir/Observation': ({ patientId }) => {
    const identifier = { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` };
    return { query: `identifier=${encodeURIComponent(`${identifier.system}|${identifier.value}`)}`, body: { ...spo2Observation(patientId, 96), identifier: [identifier] } };
  },
  // The stored Observation marked entered-in-error: its subject as stored, no effective time (a correction cannot change either).
  'measurements PUT /fhir/Observation/:id': ({ patientId, resourceId }, cell) => {
    const id = resourceId ?? cell.url.split('/').pop();
    return { id, body: { resourceType: 'Observation', id, status: 'entered-in-error', subject: { reference: `Patient/${patientId}` }, note: [{ text: 'measured on the wrong patient' }] } };
  },
  'measurements POST /fhir': ({ patientId }) => ({ body: { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: spo2Observation(patientId, 96), request: { method: 'POST', url: 'Observation' } }] } }),
  // pathways
  'pathways POST /api/enrolments': ({ nationalId }) => ({ body: { patient: { nationalId }, pathway: 'copd' } }),
  'pathways POST /api/enrolments/search': ({ nationalId }) => ({ body: { nationalId } }),
  'pathways POST /api/enrolments/names': ({ patientId }) => ({ body: { patientIds: [patientId] } }),
  'pathways PUT /api/enrolments/:patientId/name': () => ({ body: { family: 'Nordmann', given: ['Kari'] } }),
  'pathways POST /api/enrolments/:patientId/contacts': () => ({ body: { driver: 'need', mode: 'phone', startedAt: minutesAgo(20), durationMinutes: 10, patientRequest: true } }),
  'pathways POST /api/enrolments/:patientId/pause': () => ({ body: { reason: 'admitted to hospital' } }),
  'pathways POST /api/enrolments/:patientId/resume': () => ({ body: {} }),
  'pathways POST /api/enrolments/:patientId/change-pathway': () => ({ body: { pathway: 'heart-failure', reason: 'heart failure diagnosed' } }),
  // To the caller's own team: the clinician stays on the patient's team for the changes run after it.
  'pathways POST /api/enrolments/:patientId/change-care-team': (_patient, _cell, { careTeam }) => ({ body: { careTeam } }),
  'pathways POST /api/enrolments/:patientId/discharge': () => ({ body: { reason: 'completed' } }),
  'pathways POST /fhir/PlanDefinition': () => {
    const [plan, activity] = heartFailureAt(newPathwayUrl());
    const { version: _version, ...draft } = plan!;
    return { body: { ...draft, status: 'draft', contained: [{ ...activity!, id: 'activity' }], action: [{ title: 'Activity', definitionCanonical: '#activity' }] } };
  },
  'pathways POST /fhir/PlanDefinition/$import': () => ({ body: { resourceType: 'Bundle', type: 'transaction', entry: heartFailureAt(newPathwayUrl()).map((resource) => ({ resource, request: { method: 'POST', url: resource['resourceType'] } })) } }),
  // sharing
  'sharing GET /api/audit/decisions': () => ({ query: `from=${minutesAgo(60)}&to=${minutesAgo(0)}` }),
  'sharing GET /api/figures': () => ({ query: `from=${minutesAgo(60)}&to=${minutesAgo(0)}` }),
  'sharing POST /fhir/Consent': ({ patientId }) => ({ body: blockOfNobody(patientId) }),
  'sharing PUT /fhir/Consent/:id': ({ patientId }, cell, { consentOf }) => ({ id: consentOf[cell.role], body: { ...blockOfNobody(patientId), id: consentOf[cell.role] } }),
  'sharing POST /fhir/RelatedPerson': ({ patientId, nationalId }) => ({
    body: {
      resourceType: 'RelatedPerson',
      active: true,
      patient: { reference: `Patient/${patientId}`, identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: nationalId } },
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'PRN' }] }],
      // A guardian no matrix token is: a registration changes no cell's answer.
      identifier: [{ system: 'urn:varde:subject', value: 'guardian-of-nobody-in-the-matrix' }],
    },
  }),
  'sharing POST /api/patients/:patientId/emergency-access': () => ({ body: { reason: 'acute dyspnoea at the emergency department, the patient cannot answer', minutes: 5 } }),
  // triage
  'triage PUT /api/patients/:patientId/triage/overrides/:ruleId': () => ({ body: { value: 86, reason: 'the patient\'s baseline' } }),
  'triage DELETE /api/patients/:patientId/triage/overrides/:ruleId': () => ({ body: { reason: 'the baseline no longer holds' } }),
  'triage POST /api/triage/what-if': () => ({ body: whatIfOverTheLastHour() }),
  'triage POST /api/rule-sets/validate': () => ({ body: copdRuleSet }),
  // The rule set triage already publishes: the same content again is answered with its version, nothing published.
  'triage POST /api/rule-sets': () => ({ body: copdRuleSet }),
  'triage POST /api/alerts/:alertId/assign': () => ({ body: { assignee: 'matrix-clinician' } }),
  'triage POST /api/alerts/:alertId/comments': () => ({ body: { text: 'called the patient' } }),
  'triage POST /api/alerts/:alertId/resolve': () => ({ body: { outcome: 'contacted-patient' } }),
};

/**
 * Routes whose permitted requests change what other cells are answered, run after every other route in this order:
 * the enrolment changes act on the own patient (paused, resumed, moved to another pathway, discharged), and an
 * emergency access opens the other team's patient to the matrix's clinician.
 */
export const RUN_LAST: readonly string[] = [
  'pathways POST /api/enrolments/:patientId/pause',
  'pathways POST /api/enrolments/:patientId/resume',
  'pathways POST /api/enrolments/:patientId/change-pathway',
  'pathways POST /api/enrolments/:patientId/change-care-team',
  'pathways POST /api/enrolments/:patientId/discharge',
  'sharing POST /api/patients/:patientId/emergency-access',
];
