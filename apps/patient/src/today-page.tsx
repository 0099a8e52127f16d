import { AppLink, problemText, useSession } from '@varde/web-common';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

type Colour = 'red' | 'yellow' | 'green';
type Bundle = { entry?: Array<{ resource: { id?: string; title?: string } }> };

/** Today: the current colour with its self-care advice in plain words, and what is due. */
export function TodayPage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const [colour, setColour] = useState<Colour>();
  const [forms, setForms] = useState<Array<{ id?: string; title?: string }>>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    Promise.all([
      api<{ colour: Colour }>(`/api/patients/${patientId}/triage`).then((status) => setColour(status.colour)),
      api<Bundle>(`/fhir/Questionnaire?subject=Patient/${patientId}`).then((bundle) => setForms((bundle.entry ?? []).map((e) => e.resource))),
    ]).catch((failure: unknown) => setError(problemText(failure, t)));
  }, [api, patientId, t]);
  return (
    <>
      <h1>{t('today.title')}</h1>
      {error ? <p role="alert">{error}</p> : null}
      {colour ? (
        <section aria-labelledby="status-heading" className={`status status-${colour}`}>
          <h2 id="status-heading">{t('today.status')}</h2>
          <p>
            <strong>{t(`today.colour.${colour}`)}</strong>
          </p>
          <p>{t(`today.plan.${colour}`)}</p>
        </section>
      ) : null}
      <section aria-labelledby="due-heading">
        <h2 id="due-heading">{t('today.due')}</h2>
        <ul className="due">
          {forms.map((form) => (
            <li key={form.id}>
              <AppLink to="form">{t('today.dueForm', { title: form.title ?? form.id })}</AppLink>
            </li>
          ))}
          <li>
            <AppLink to="measure">{t('today.dueMeasure')}</AppLink>
          </li>
        </ul>
      </section>
    </>
  );
}
