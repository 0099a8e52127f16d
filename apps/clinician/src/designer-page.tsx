import { Button, Heading } from '@digdir/designsystemet-react';
import { ErrorMessage, problemText, useSession } from '@varde/web-common';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

type RuleSetSummary = { id: string; version: number; pathwayId: string; title?: string };
type Problem = { field?: string; line?: number; column?: number; message: string };
// Counts under the disclosure minimum come as null (what-if.disclosure.ts in triage).
type Totals = { alerts: number | null; colourChanges: number | null; patientsWithAlerts: number | null };
type Report = { patients: number; minGroupSize: number; published: { version: number }; totals: { published: Totals; candidate: Totals }; perPatient: unknown[] };

const YAML = { 'content-type': 'application/yaml' };
const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

/** Edit a pathway's triage rule set: validation at the line, a what-if over real history, publish. */
export function DesignerPage() {
  const { t } = useTranslation();
  const { api, role } = useSession();
  const [ruleSets, setRuleSets] = useState<RuleSetSummary[]>([]);
  const [selected, setSelected] = useState<RuleSetSummary>();
  const [source, setSource] = useState('');
  const [problems, setProblems] = useState<Problem[]>();
  const [report, setReport] = useState<Report>();
  const [from, setFrom] = useState(daysAgo(30));
  const [to, setTo] = useState(daysAgo(-1));
  const [published, setPublished] = useState<number>();
  const [error, setError] = useState<string>();
  const editor = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    api<{ ruleSets: RuleSetSummary[] }>('/api/rule-sets')
      .then(async ({ ruleSets: found }) => {
        setRuleSets(found);
        if (found[0]) await open(found[0]);
      })
      .catch((failure: unknown) => setError(problemText(failure, t)));
  }, [api, t]);

  const open = async (summary: RuleSetSummary): Promise<void> => {
    const full = await api<{ source: string }>(`/api/rule-sets/${summary.id}`);
    setSelected(summary);
    setSource(full.source);
    setProblems(undefined);
    setReport(undefined);
  };
  const run = async (work: () => Promise<void>): Promise<void> => {
    try {
      setError(undefined);
      await work();
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };
  const validate = () => run(async () => setProblems((await api<{ problems: Problem[] }>('/api/rule-sets/validate', { method: 'POST', body: source, headers: YAML })).problems));
  const whatIf = () =>
    run(async () => setReport(await api<Report>('/api/triage/what-if', { method: 'POST', json: { pathwayId: selected?.pathwayId, candidate: source, from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` } })));
  const publish = () => run(async () => setPublished((await api<{ version: number }>('/api/rule-sets', { method: 'POST', body: source, headers: YAML })).version));
  const goTo = (line: number): void => {
    const area = editor.current;
    if (!area) return;
    const offset = source.split('\n').slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
    area.focus();
    area.setSelectionRange(offset, offset);
  };

  return (
    <>
      <Heading level={1} data-size="lg">
        {t('designer.title')}
      </Heading>
      <ErrorMessage text={error} />
      <div className="form wide">
        <label>
          {t('designer.ruleSet')}
          <select value={selected?.id ?? ''} onChange={(event) => void run(() => open(ruleSets.find((r) => r.id === event.target.value)!))}>
            {ruleSets.map((r) => (
              <option key={r.id} value={r.id}>
                {`${r.title ?? r.id} (v${r.version})`}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('designer.source')}
          <textarea ref={editor} className="code" rows={24} spellCheck={false} value={source} aria-describedby="rule-problems" onChange={(event) => setSource(event.target.value)} />
        </label>
      </div>
      <div className="actions">
        <Button data-size="sm" onClick={() => void validate()}>
          {t('designer.validate')}
        </Button>
      </div>
      <div id="rule-problems" aria-live="polite" data-testid="rule-problems">
        {problems === undefined ? null : problems.length === 0 ? (
          <p className="hint-ok">{t('designer.valid')}</p>
        ) : (
          <>
            <h2>{t('designer.problems')}</h2>
            <ul>
              {problems.map((p, index) => (
                <li key={index}>
                  {t('designer.problem', { line: p.line ?? '?', column: p.column ?? '?', message: p.field ? `${p.field}: ${p.message}` : p.message })}{' '}
                  {p.line ? (
                    <button type="button" className="link-button" onClick={() => goTo(p.line!)}>
                      {t('designer.goTo', { line: p.line })}
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <h2>{t('designer.whatIf')}</h2>
      <div className="actions">
        <label>
          {t('designer.from')}
          <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          {t('designer.to')}
          <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
        <Button variant="secondary" data-size="sm" onClick={() => void whatIf()}>
          {t('designer.whatIf')}
        </Button>
      </div>
      {report ? (
        <table className="worklist" data-testid="what-if">
          <caption>{`${t('designer.report')}: ${t('designer.patients', { count: report.patients, changed: report.perPatient.length })}`}</caption>
          <thead>
            <tr>
              <th scope="col">{t('designer.measure')}</th>
              <th scope="col">{t('designer.published', { version: report.published.version })}</th>
              <th scope="col">{t('designer.candidate')}</th>
            </tr>
          </thead>
          <tbody>
            {(['alerts', 'colourChanges', 'patientsWithAlerts'] as const).map((key) => (
              <tr key={key}>
                <th scope="row">{t(`designer.${key}`)}</th>
                <td>{report.totals.published[key] ?? t('designer.suppressed', { min: report.minGroupSize })}</td>
                <td>{report.totals.candidate[key] ?? t('designer.suppressed', { min: report.minGroupSize })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {role === 'pathway-designer' ? (
        <div className="actions">
          <Button data-size="sm" onClick={() => void publish()}>
            {t('designer.publish')}
          </Button>
          {published !== undefined ? <p role="status">{t('designer.publishedNow', { version: published })}</p> : null}
        </div>
      ) : null}
    </>
  );
}
