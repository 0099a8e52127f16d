import Title from '@helsenorge/designsystem-react/components/Title';
import { AppLink, useApiRead } from '@varde/web-common';
import { useTranslation } from 'react-i18next';
import { formTitle, readAssignedForms } from './assigned-forms';
import { ErrorNotice } from './notice';

/** The forms the patient has been given (`GET /fhir/Questionnaire?subject=`), those to answer first, each opening its form. */
export function FormsPage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const { value, error } = useApiRead((api) => readAssignedForms(api, patientId), [patientId]);
  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{t('forms.title')}</Title>
      <ErrorNotice text={error} />
      {value === undefined ? (
        error ? null : <p>{t('common.loading')}</p>
      ) : value.length === 0 ? (
        <p>{t('forms.none')}</p>
      ) : (
        <ul className="due" data-testid="forms">
          {value.map(({ questionnaire, open }) => (
            <li key={`${questionnaire.url}|${questionnaire.version}`}>
              <AppLink to={`form/${questionnaire.id}`}>{formTitle(questionnaire)}</AppLink> {open ? t('forms.open') : t('forms.answered')}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
