import Title from '@helsenorge/designsystem-react/components/Title';
import { AppLink, formatDateTime, problemText, useSession } from '@varde/web-common';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formTitle, readAssignedForms } from './assigned-forms';
import { ErrorNotice } from './notice';

type Colour = 'red' | 'yellow' | 'green';
type Bundle<T> = { entry?: Array<{ resource: T }> };
type OpenForm = { id: string; title: string; dueAt?: string };
type Task = { id: string; status: string; description?: string; code?: { text?: string; coding?: Array<{ code?: string; display?: string }> }; input?: unknown[]; executionPeriod?: { start?: string; end?: string } };

// Today's local date, as the Task search's `period` wants it.
const today = (): string => new Date().toLocaleDateString('sv-SE');

/** Today: the current colour with its self-care advice in plain words, what is due and what was missed. */
export function TodayPage({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const [colour, setColour] = useState<Colour>();
  const [tasks, setTasks] = useState<Task[]>();
  const [forms, setForms] = useState<OpenForm[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    // Each part on its own: the advice still shows when the task list cannot be read, and the other way round.
    api<{ colour: Colour }>(`/api/patients/${patientId}/triage`)
      .then((status) => setColour(status.colour))
      .catch((failure: unknown) => setError(problemText(failure, t)));
    api<Bundle<Task>>(`/fhir/Task?patient=${patientId}&period=${today()}`)
      .then((bundle) => setTasks((bundle.entry ?? []).map((e) => e.resource)))
      .catch((failure: unknown) => setError(problemText(failure, t)));
    // The forms given to the patient that are still to be answered, each opened straight from here.
    readAssignedForms(api, patientId)
      .then((assigned) => setForms(assigned.filter((f) => f.open).map((f) => ({ id: f.questionnaire.id ?? '', title: formTitle(f.questionnaire), ...(f.dueAt ? { dueAt: f.dueAt } : {}) }))))
      .catch((failure: unknown) => setError(problemText(failure, t)));
  }, [api, patientId, t]);
  const title = (task: Task): string => task.description ?? task.code?.text ?? task.code?.coding?.[0]?.display ?? task.code?.coding?.[0]?.code ?? task.id;
  const until = (task: Task): string => (task.executionPeriod?.end ? formatDateTime(task.executionPeriod.end, i18n.language) : '');
  const due = (tasks ?? []).filter((task) => task.status === 'ready' || task.status === 'requested');
  const missed = (tasks ?? []).filter((task) => task.status === 'failed');
  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{t('today.title')}</Title>
      <ErrorNotice text={error} />
      {colour ? (
        <section aria-labelledby="status-heading" className={`status status-${colour}`}>
          <Title htmlMarkup="h2" appearance="title3" id="status-heading">{t('today.status')}</Title>
          <p>
            <strong>{t(`today.colour.${colour}`)}</strong>
          </p>
          <p>{t(`today.plan.${colour}`)}</p>
        </section>
      ) : null}
      <section aria-labelledby="due-heading">
        <Title htmlMarkup="h2" appearance="title3" id="due-heading">{t('today.due')}</Title>
        <ul className="due" data-testid="due">
          {/* A form's task is shown as the form itself (below), opened straight from here. */}
          {due
            .filter((task) => !task.input)
            .map((task) => (
              <li key={task.id}>
                <AppLink to="measure">{t('today.task', { title: title(task), until: until(task) })}</AppLink>
              </li>
            ))}
          {forms.map((form) => (
            <li key={form.id}>
              <AppLink to={`form/${form.id}`}>{form.dueAt ? t('today.task', { title: t('today.dueForm', { title: form.title }), until: formatDateTime(form.dueAt, i18n.language) }) : t('today.dueForm', { title: form.title })}</AppLink>
            </li>
          ))}
          {tasks !== undefined && !due.some((task) => !task.input) ? (
            <li>
              <AppLink to="measure">{t('today.dueMeasure')}</AppLink>
            </li>
          ) : null}
        </ul>
      </section>
      <section aria-labelledby="missed-heading">
        <Title htmlMarkup="h2" appearance="title3" id="missed-heading">{t('today.missed')}</Title>
        {missed.length === 0 ? (
          <p>{t('today.missedNone')}</p>
        ) : (
          <ul>
            {missed.map((task) => (
              <li key={task.id}>{t('today.taskMissed', { title: title(task), until: until(task) })}</li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
