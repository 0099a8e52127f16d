import { auditReasonFor, eventually, spo2Observation } from '@varde/testing';
import type { ServiceName } from '@varde/platform';
import { expect } from 'vitest';
import type { MatrixCell, PatientCase } from './access-matrix';
import { blockOfNobody, catResponse } from './matrix-requests';

/** The stored resources whose subject decides who may see them on the routes that name them by id (`patient: 'resource'`). */
export type StoredKind = 'QuestionnaireResponse' | 'Observation' | 'Alert' | 'Consent';

/** The id of one stored resource of each kind for the own patient and for the other team's patient. */
export type StoredResources = Readonly<Record<StoredKind, Readonly<Record<Exclude<PatientCase, 'unknown'>, string>>>>;

/** Which stored resource a route names by id, by service and path prefix. */
const STORED_UNDER: readonly (readonly [ServiceName, string, StoredKind])[] = [
  ['forms', '/fhir/QuestionnaireResponse/:id', 'QuestionnaireResponse'],
  ['measurements', '/fhir/Observation/:id', 'Observation'],
  ['triage', '/api/alerts/:alertId', 'Alert'],
  ['sharing', '/fhir/Consent/:id', 'Consent'],
];

/**
 * The kind of stored resource a route (`<METHOD> <path>`) of `service` names by id; undefined for a route under none
 * (`access-matrix.spec.ts` fails for a `'resource'` route without one, so a new such route gets its patient cells).
 */
export function storedKindOf(service: ServiceName, route: string): StoredKind | undefined {
  const path = route.split(' ')[1] ?? '';
  return STORED_UNDER.find(([s, prefix]) => s === service && (path === prefix || path.startsWith(`${prefix}/`)))?.[2];
}

/** The id a stored-resource cell's request names: the resource of its patient, or (unknown) none, so the matrix's id of nothing stays. */
export const storedIdOf = (cell: MatrixCell, stored: StoredResources): string | undefined => {
  const kind = cell.storedResource && cell.patient !== undefined && cell.patient !== 'unknown' ? storedKindOf(cell.service, cell.route) : undefined;
  return kind === undefined ? undefined : stored[kind][cell.patient as Exclude<PatientCase, 'unknown'>];
};

type Writer = Readonly<{ patientId: string; token: string }>;

async function created(response: Response, what: string): Promise<string> {
  expect(response.status, `${what}: ${response.status}`).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/**
 * One resource of each stored kind for a patient, written by `writer` (the patient themselves, or a clinician of their
 * care team): a CAT answer, an SpO2 of 88 % (the Observation, and the red alert triage raises on it), and a Consent.
 * The alert is looked up as `auditor` once triage has raised it.
 */
export async function storeResourcesOf(urls: Readonly<Record<ServiceName, string>>, writer: Writer, auditor: string): Promise<Record<StoredKind, string>> {
  const post = (service: ServiceName, path: string, body: unknown) =>
    fetch(`${urls[service]}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.token}` }, body: JSON.stringify(body) });
  const [QuestionnaireResponse, Observation, Consent] = await Promise.all([
    created(await post('forms', '/fhir/QuestionnaireResponse', catResponse(writer.patientId)), 'a QuestionnaireResponse to name'),
    created(await post('measurements', '/fhir/Observation', spo2Observation(writer.patientId, 88, new Date(Date.now() - 60_000))), 'an Observation to name'),
    created(await post('sharing', '/fhir/Consent', blockOfNobody(writer.patientId)), 'a Consent to name'),
  ]);
  const Alert = await eventually(async () => {
    const response = await fetch(`${urls.triage}/api/alerts?patient=${writer.patientId}`, { headers: { authorization: `Bearer ${auditor}`, ...auditReasonFor(auditor) } });
    return response.ok ? ((await response.json()) as { alerts: { id: string }[] }).alerts[0]?.id : undefined;
  }, `triage's alert on the SpO2 of 88 % of ${writer.patientId}`);
  return { QuestionnaireResponse, Observation, Alert, Consent };
}
