import Button from '@helsenorge/designsystem-react/components/Button';
import Title from '@helsenorge/designsystem-react/components/Title';
import type { Questionnaire, QuestionnaireItem, QuestionnaireResponse } from '@medplum/fhirtypes';
import { ApiError, problemText, useSession } from '@varde/web-common';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  answersFromResponse,
  calculatedAnswers,
  initialAnswers,
  needsFhirPath,
  problemsAtItems,
  responseItems,
  scoresOf,
  settledForm,
  unfinishedItems,
  withAnswer,
  withInstanceAdded,
  withInstanceRemoved,
  type Answer,
  type FhirPathEngine,
  type FormAnswers,
  type ItemProblem,
} from './questionnaire-answers';
import { itemDomId, QuestionnaireItems, type ItemContext } from './questionnaire-item';
import { ErrorNotice } from './notice';

type Bundle<T> = { entry?: Array<{ resource: T }> };

/** The draft kept on this device: answers only (never a token), the server draft it mirrors, when it was saved. */
type LocalDraft = { answers: FormAnswers['answers']; unconfirmed: readonly string[]; instances?: FormAnswers['instances']; responseId?: string; savedAt: string };

/** Where the draft of one questionnaire version is saved: in Varde, or on this device only (Varde did not answer). */
type DraftState = 'idle' | 'saving' | 'saved' | 'local';

/** How long the patient may pause typing before the draft is saved in Varde. */
const SAVE_AFTER_MS = 1_500;

const draftKey = (patientId: string, canonical: string): string => `varde.draft.${patientId}.${canonical}`;
const canonicalOf = (q: Questionnaire): string => `${q.url}|${q.version}`;

function readLocalDraft(key: string): LocalDraft | undefined {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as LocalDraft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers any questionnaire forms serves, rendered from its FHIR Questionnaire (every item type forms accepts,
 * enableWhen, pre-filled answers to confirm). The draft is saved in Varde as an `in-progress` QuestionnaireResponse
 * (resumed on any device) and on this device (kept when Varde does not answer); sending completes it.
 */
export function FormPage({ patientId, questionnaireId }: { patientId: string; questionnaireId: string }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const [questionnaire, setQuestionnaire] = useState<Questionnaire>();
  const [form, setForm] = useState<FormAnswers>({ answers: {}, unconfirmed: [], instances: {} });
  const [engine, setEngine] = useState<FhirPathEngine>();
  const [problems, setProblems] = useState<readonly ItemProblem[]>([]);
  const [error, setError] = useState<string>();
  const [sent, setSent] = useState<QuestionnaireResponse>();
  const [draft, setDraft] = useState<DraftState>('idle');
  const responseId = useRef<string | undefined>(undefined);
  const saving = useRef<Promise<void>>(Promise.resolve());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    let live = true;
    const load = async (): Promise<void> => {
      const found = await api<Questionnaire>(`/fhir/Questionnaire/${encodeURIComponent(questionnaireId)}`);
      const canonical = canonicalOf(found);
      let local = readLocalDraft(draftKey(patientId, canonical));
      // The draft in Varde (saved from any device): undefined when Varde did not answer, null when there is none.
      const server = await api<Bundle<QuestionnaireResponse>>(`/fhir/QuestionnaireResponse?subject=Patient/${patientId}&questionnaire=${encodeURIComponent(canonical)}&status=in-progress&_count=1`)
        .then((bundle) => bundle.entry?.[0]?.resource ?? null)
        .catch(() => undefined);
      // A copy of a draft Varde no longer holds in progress was sent (or replaced) from another device: it is done with.
      if (local?.responseId && server !== undefined && server?.id !== local.responseId) {
        localStorage.removeItem(draftKey(patientId, canonical));
        local = undefined;
      }
      let start: FormAnswers;
      const serverTime = server?.meta?.lastUpdated ?? server?.authored ?? '';
      // The newest of the copy on this device and the draft in Varde; else what Varde can pre-fill.
      if (local && (!server || local.savedAt >= serverTime)) {
        start = { answers: local.answers, unconfirmed: local.unconfirmed, instances: local.instances ?? {} };
        responseId.current = local.responseId ?? server?.id;
      } else if (server) {
        start = answersFromResponse(found, server);
        responseId.current = server.id;
      } else {
        const populated = await api<QuestionnaireResponse>(`/fhir/Questionnaire/${encodeURIComponent(questionnaireId)}/$populate?subject=Patient/${patientId}`).catch(() => undefined);
        start = populated ? answersFromResponse(found, populated) : initialAnswers(found);
      }
      // The FHIRPath engine (forms' own evaluation, from libs/fhir) in its own chunk, fetched only when needed.
      const loaded = needsFhirPath(found) ? await import('@varde/fhir/src/questionnaire-expressions') : undefined;
      if (!live) return;
      if (loaded) setEngine({ withCalculatedAnswers: loaded.withCalculatedAnswers, enableWhenExpressions: loaded.enableWhenExpressions });
      setQuestionnaire(found);
      setForm(start);
    };
    load().catch((failure: unknown) => live && setError(problemText(failure, t)));
    return () => {
      live = false;
      clearTimeout(timer.current);
    };
  }, [api, patientId, questionnaireId, t]);

  const body = useCallback(
    (q: Questionnaire, answers: FormAnswers, status: 'in-progress' | 'completed'): QuestionnaireResponse => ({
      resourceType: 'QuestionnaireResponse',
      ...(responseId.current ? { id: responseId.current } : {}),
      questionnaire: canonicalOf(q),
      status,
      subject: { reference: `Patient/${patientId}` },
      authored: new Date().toISOString(),
      item: responseItems(q, answers, engine),
    }),
    [patientId, engine],
  );

  /** Writes the response: a new one, or the next version of the draft this form resumed. */
  const store = useCallback(
    (resource: QuestionnaireResponse) =>
      responseId.current
        ? api<QuestionnaireResponse>(`/fhir/QuestionnaireResponse/${responseId.current}`, { method: 'PUT', json: resource })
        : api<QuestionnaireResponse>('/fhir/QuestionnaireResponse', { method: 'POST', json: resource }),
    [api],
  );

  const keepLocally = useCallback(
    (q: Questionnaire, answers: FormAnswers): void => {
      const local: LocalDraft = { answers: answers.answers, unconfirmed: answers.unconfirmed, instances: answers.instances, savedAt: new Date().toISOString(), ...(responseId.current ? { responseId: responseId.current } : {}) };
      localStorage.setItem(draftKey(patientId, canonicalOf(q)), JSON.stringify(local));
    },
    [patientId],
  );

  const saveDraft = useCallback(
    (q: Questionnaire, answers: FormAnswers): void => {
      setDraft('saving');
      saving.current = saving.current.then(async () => {
        try {
          const stored = await store(body(q, answers, 'in-progress'));
          responseId.current = stored.id;
          keepLocally(q, answers);
          setDraft('saved');
        } catch {
          // Varde did not take it (down, slow, signed out): the copy on this device stays, and the next change tries again.
          setDraft('local');
        }
      });
    },
    [body, keepLocally, store],
  );

  // The answers as shown and sent: the calculated items answered and the items enabled as forms will decide, as the patient types.
  const settled = useMemo(() => (questionnaire ? settledForm(questionnaire, form, engine) : { form, enabled: new Set<string>() }), [questionnaire, form, engine]);
  const { form: shown, enabled } = settled;
  const problemsByItem = useMemo(() => {
    const byItem = new Map<string, string[]>();
    for (const p of problems) if (p.key !== undefined) byItem.set(p.key, [...(byItem.get(p.key) ?? []), p.message]);
    return byItem;
  }, [problems]);

  if (!questionnaire) return error ? <ErrorNotice text={error} /> : <p>{t('common.loading')}</p>;
  const q = questionnaire;

  /** Keeps a change: shown at once, on this device at once, in Varde once the patient pauses. */
  const change = (next: FormAnswers): void => {
    setForm(next);
    keepLocally(q, next);
    clearTimeout(timer.current);
    // The draft is checked by forms after it calculates: send it as the patient sees it.
    timer.current = setTimeout(() => saveDraft(q, settledForm(q, next, engine).form), SAVE_AFTER_MS);
  };
  const answer = (key: string, given: readonly Answer[]): void => {
    setProblems((current) => current.filter((p) => p.key !== key));
    change(withAnswer(form, key, given));
  };
  const addInstance = (groupKey: string): void => change(withInstanceAdded(form, groupKey));
  const removeInstance = (scope: string, group: QuestionnaireItem, index: number): void => {
    // The problems shown were placed by instance; after a removal they would sit at the wrong one.
    setProblems([]);
    change(withInstanceRemoved(form, scope, group, index));
  };

  const send = async (): Promise<void> => {
    const unfinished = unfinishedItems(q, shown, engine);
    if (unfinished.length > 0) {
      setProblems(unfinished.map(({ key, problem }) => ({ key, message: t(problem === 'required' ? 'form.answerThis' : 'form.confirmThis') })));
      setError(t('form.missing', { count: unfinished.length }));
      document.getElementById(itemDomId(unfinished[0]!.key))?.scrollIntoView({ block: 'center' });
      return;
    }
    clearTimeout(timer.current);
    await saving.current;
    const resource = body(q, shown, 'completed');
    try {
      const stored = await store(resource);
      localStorage.removeItem(draftKey(patientId, canonicalOf(q)));
      setSent(stored);
      setError(undefined);
      setProblems([]);
    } catch (failure) {
      keepLocally(q, form);
      const placed = failure instanceof ApiError ? problemsAtItems(q, shown, failure.fields, resource.item ?? []) : [];
      setProblems(placed);
      setError(problemText(failure, t));
    }
  };

  if (sent) {
    const scores = scoresOf(q, sent);
    const calculated = calculatedAnswers(q, sent);
    return (
      <>
        <Title htmlMarkup="h1" appearance="title2">{q.title ?? t('form.title')}</Title>
        <div role="status" data-testid="form-sent">
          <p>{t('form.thanks')}</p>
          {scores.length + calculated.length > 0 ? (
            <ul data-testid="form-scores">
              {[...scores, ...calculated].map((s) => (
                <li key={s.name}>{t('form.score', { name: s.name, value: s.value })}</li>
              ))}
            </ul>
          ) : null}
        </div>
      </>
    );
  }

  const context: ItemContext = { questionnaire: q, form: shown, enabled, problems: problemsByItem, answer, addInstance, removeInstance };
  const general = problems.filter((p) => p.key === undefined || !enabled.has(p.key));
  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{q.title ?? t('form.title')}</Title>
      {q.description ? <p className="hint">{q.description}</p> : null}
      <p className="hint" aria-live="polite" data-testid="draft-state">
        {t(`form.draft.${draft}`)}
      </p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <QuestionnaireItems items={q.item} context={context} />
        <ErrorNotice text={error} />
        {general.map((p) => (
          <p key={p.message} className="hint-bad">
            {p.message}
          </p>
        ))}
        <Button type="submit">{t('common.send')}</Button>
      </form>
    </>
  );
}
