import type { Questionnaire } from '@medplum/fhirtypes';
import type { Api } from '@varde/web-common';

/** A form given to the patient: its questionnaire version, whether it is still to be answered, and by when. */
export type AssignedForm = Readonly<{ questionnaire: Questionnaire; open: boolean; dueAt?: string }>;

type Assignment = { questionnaireUrl: string; questionnaireVersion: string; status: 'open' | 'answered' | 'expired'; dueAt?: string };

/** The patient's forms (`GET /fhir/Questionnaire?subject=` with forms' assignments), those to answer first. */
export async function readAssignedForms(api: Api, patientId: string): Promise<AssignedForm[]> {
  const [bundle, held] = await Promise.all([
    api<{ entry?: Array<{ resource: Questionnaire }> }>(`/fhir/Questionnaire?subject=Patient/${patientId}`),
    api<{ assignments: Assignment[] }>(`/api/patients/${patientId}/form-assignments`),
  ]);
  const forms = (bundle.entry ?? []).map(({ resource }): AssignedForm => {
    const open = held.assignments.find((a) => a.status === 'open' && a.questionnaireUrl === resource.url && a.questionnaireVersion === resource.version);
    return { questionnaire: resource, open: open !== undefined, ...(open?.dueAt ? { dueAt: open.dueAt } : {}) };
  });
  return [...forms.filter((f) => f.open), ...forms.filter((f) => !f.open)];
}

/** The title a patient sees for a form. */
export const formTitle = (q: Questionnaire): string => q.title ?? q.name ?? q.id ?? '';
