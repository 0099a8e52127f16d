import { syntheticNationalId } from './national-ids';

/** Enrols a patient (a new synthetic one unless `nationalId` is given) on the COPD pathway through pathways' HTTP API; returns the patient id. */
export async function enrolPatient(baseUrl: string, clinicianToken: string, nationalId: string = syntheticNationalId()): Promise<string> {
  const response = await fetch(`${baseUrl}/api/enrolments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${clinicianToken}` },
    body: JSON.stringify({ patient: { nationalId }, pathway: 'copd' }),
  });
  if (response.status !== 201) throw new Error(`enrolment failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { patientId: string }).patientId;
}
