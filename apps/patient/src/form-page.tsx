import { ErrorMessage, problemText, useSession } from '@varde/web-common';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

type Item = { linkId: string; text?: string; type: string; required?: boolean; answerOption?: Array<{ valueInteger?: number; valueCoding?: { code: string; display?: string } }> };
type Questionnaire = { url: string; version?: string; title?: string; item?: Item[] };
type Answers = Record<string, number>;

const draftKey = (patientId: string, url: string): string => `varde.draft.${patientId}.${url}`;

/**
 * Answers the CAT, rendered from its FHIR Questionnaire (integer items with answer options). The draft is kept
 * on the device (not a token: only the answers), so a slow or failed send or an expired sign-in loses nothing.
 */
export function FormPage({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const { api } = useSession();
  const [questionnaire, setQuestionnaire] = useState<Questionnaire>();
  const [answers, setAnswers] = useState<Answers>({});
  const [error, setError] = useState<string>();
  const [score, setScore] = useState<number>();

  useEffect(() => {
    api<Questionnaire>('/fhir/Questionnaire/cat')
      .then((found) => {
        setQuestionnaire(found);
        const draft = localStorage.getItem(draftKey(patientId, found.url));
        if (draft) setAnswers(JSON.parse(draft) as Answers);
      })
      .catch((failure: unknown) => setError(problemText(failure, t)));
  }, [api, patientId, t]);

  if (!questionnaire) return error ? <p role="alert">{error}</p> : <p>{t('common.loading')}</p>;
  const items = questionnaire.item ?? [];
  const answer = (linkId: string, value: number): void => {
    const next = { ...answers, [linkId]: value };
    setAnswers(next);
    localStorage.setItem(draftKey(patientId, questionnaire.url), JSON.stringify(next));
  };
  const missing = items.filter((item) => item.required && answers[item.linkId] === undefined).length;
  const send = async (): Promise<void> => {
    if (missing > 0) {
      setError(t('form.missing', { count: missing }));
      return;
    }
    try {
      const stored = await api<{ extension?: Array<{ extension?: Array<{ url: string; valueDecimal?: number }> }> }>('/fhir/QuestionnaireResponse', {
        method: 'POST',
        json: {
          resourceType: 'QuestionnaireResponse',
          questionnaire: `${questionnaire.url}${questionnaire.version ? `|${questionnaire.version}` : ''}`,
          status: 'completed',
          subject: { reference: `Patient/${patientId}` },
          authored: new Date().toISOString(),
          item: items.map((item) => ({ linkId: item.linkId, answer: [{ valueInteger: answers[item.linkId] }] })),
        },
      });
      localStorage.removeItem(draftKey(patientId, questionnaire.url));
      setScore(stored.extension?.[0]?.extension?.find((e) => e.url === 'value')?.valueDecimal ?? Object.values(answers).reduce((sum, v) => sum + v, 0));
      setError(undefined);
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };

  if (score !== undefined) {
    return (
      <>
        <h1>{questionnaire.title ?? t('form.title')}</h1>
        <p role="status" data-testid="form-sent">
          {t('form.sent', { score })}
        </p>
      </>
    );
  }
  return (
    <>
      <h1>{questionnaire.title ?? t('form.title')}</h1>
      <p className="hint">{t('form.draftKept')}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        {items.map((item, index) => (
          <fieldset key={item.linkId} className="question">
            <legend>
              {index + 1}. {item.text}
            </legend>
            <p className="hint" id={`${item.linkId}-hint`}>
              {t('form.choose')}
            </p>
            <div className="scale">
              {(item.answerOption ?? []).map((option) => {
                const value = option.valueInteger ?? Number(option.valueCoding?.code);
                const id = `${item.linkId}-${value}`;
                return (
                  <span key={id} className="scale-option">
                    <input type="radio" id={id} name={item.linkId} value={value} checked={answers[item.linkId] === value} onChange={() => answer(item.linkId, value)} aria-describedby={`${item.linkId}-hint`} />
                    <label htmlFor={id}>{option.valueCoding?.display ?? value}</label>
                  </span>
                );
              })}
            </div>
          </fieldset>
        ))}
        <ErrorMessage text={error} />
        <button type="submit" className="primary">
          {t('common.send')}
        </button>
      </form>
    </>
  );
}
