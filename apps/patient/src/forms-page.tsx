import type { Questionnaire } from '@medplum/fhirtypes';
import { AppLink, ErrorMessage, useApiRead } from '@varde/web-common';
import { useTranslation } from 'react-i18next';

type Assignment = { questionnaireUrl: string; questionnaireVersion: string; status: 'open' | 'answered' | 'expired' };

/** The forms the patient has been given (`GET /fhir/Questionnaire?subject=`), those to answer first, each opening its form. */
export function FormsPage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const { value, error } = useApiRead(
    async (api) => {
      const [bundle, held] = await Promise.all([
        api<{ entry?: Array<{ resource: Questionnaire }> }>(`/fhir/Questionnaire?subject=Patient/${patientId}`),
        api<{ assignments: Assignment[] }>(`/api/patients/${patientId}/form-assignments`),
      ]);
      const open = new Set(held.assignments.filter((a) => a.status === 'open').map((a) => `${a.questionnaireUrl}|${a.questionnaireVersion}`));
      const forms = (bundle.entry ?? []).map((e) => ({ questionnaire: e.resource, open: open.has(`${e.resource.url}|${e.resource.version}`) }));
      return [...forms.filter((f) => f.open), ...forms.filter((f) => !f.open)];
    },
    [patientId],
  );
  return (
    <>
      <h1>{t('forms.title')}</h1>
      <ErrorMessage text={error} />
      {value === undefined ? (
        error ? null : <p>{t('common.loading')}</p>
      ) : value.length === 0 ? (
        <p>{t('forms.none')}</p>
      ) : (
        <ul className="due" data-testid="forms">
          {value.map(({ questionnaire, open }) => (
            <li key={`${questionnaire.url}|${questionnaire.version}`}>
              <AppLink to={`form/${questionnaire.id}`}>{questionnaire.title ?? questionnaire.name ?? questionnaire.id}</AppLink> {open ? t('forms.open') : t('forms.answered')}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
