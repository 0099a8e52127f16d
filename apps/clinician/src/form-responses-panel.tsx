import { ErrorMessage, formatDateTime, useApiRead } from '@varde/web-common';
import { useTranslation } from 'react-i18next';

type Assignment = Readonly<{ assignmentId: string; questionnaireUrl: string; questionnaireVersion: string; status: 'open' | 'answered' | 'expired'; responseId?: string; dueAt?: string }>;
type ScoreExtension = { url: string; extension?: Array<{ url: string; valueCoding?: { code: string }; valueDecimal?: number }> };
type Response = Readonly<{ id: string; questionnaire: string; status: string; authored: string; extension?: ScoreExtension[] }>;

const SCORE = 'https://varde.no/fhir/StructureDefinition/questionnaire-score';
/** How many answered forms the page shows, newest first. */
const SHOWN = 10;

/** The scores stored on a response: `[{code, value}]`. */
function scoresOf(response: Response): Array<{ code: string; value: number }> {
  return (response.extension ?? [])
    .filter((e) => e.url === SCORE)
    .flatMap((e) => {
      const code = e.extension?.find((x) => x.url === 'code')?.valueCoding?.code;
      const value = e.extension?.find((x) => x.url === 'value')?.valueDecimal;
      return code !== undefined && value !== undefined ? [{ code, value }] : [];
    });
}

/**
 * The patient's form responses with their scores: the assignments forms keeps (`answered` ones name their
 * response), each response read (and access-logged) by forms; open and expired forms are listed too.
 */
export function FormResponsesPanel({ patientId, reload }: { patientId: string; reload: number }) {
  const { t, i18n } = useTranslation();
  const { value, error } = useApiRead(
    async (api) => {
      const { assignments } = await api<{ assignments: Assignment[] }>(`/api/patients/${patientId}/form-assignments`);
      const answered = assignments.filter((a) => a.responseId);
      const read = await Promise.all(answered.slice(-SHOWN).map((a) => api<Response>(`/fhir/QuestionnaireResponse/${a.responseId}`)));
      return { assignments, responses: read.sort((a, b) => b.authored.localeCompare(a.authored)) };
    },
    [patientId, reload],
  );
  const responses = value?.responses ?? [];

  const name = (canonical: string) => canonical.split('|')[0]!.split('/').pop()!.toUpperCase();
  const waiting = (value?.assignments ?? []).filter((a) => a.status !== 'answered');
  return (
    <section aria-labelledby="forms-heading" data-testid="form-responses">
      <h2 id="forms-heading">{t('forms.title')}</h2>
      <ErrorMessage text={error} />
      {responses.length === 0 ? (
        <p>{t('forms.none')}</p>
      ) : (
        <table className="worklist">
          <caption className="visually-hidden">{t('forms.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('forms.form')}</th>
              <th scope="col">{t('forms.authored')}</th>
              <th scope="col">{t('forms.scores')}</th>
            </tr>
          </thead>
          <tbody>
            {responses.map((r) => (
              <tr key={r.id}>
                <td>{name(r.questionnaire)}</td>
                <td>{formatDateTime(r.authored, i18n.language)}</td>
                <td>{scoresOf(r).map((s) => `${s.code} ${s.value.toLocaleString(i18n.language)}`).join(', ') || t('forms.noScore')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {waiting.length > 0 ? (
        <ul>
          {waiting.map((a) => (
            <li key={a.assignmentId}>{t(`forms.${a.status}`, { form: name(a.questionnaireUrl), due: a.dueAt ? formatDateTime(a.dueAt, i18n.language) : '–' })}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
