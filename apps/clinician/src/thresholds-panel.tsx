import { Button } from '@digdir/designsystemet-react';
import { ErrorMessage, formatDateTime, problemText, useSession } from '@varde/web-common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** A rule of the patient's rule set, as far as a per-patient value concerns it. */
export type Rule = Readonly<{ id: string; kind: string; code?: string; threshold?: number; amount?: number; count?: number; unit?: string; reason?: string }>;
/** One of the patient's own values (`GET /api/patients/<id>/triage/overrides`). */
export type Override = Readonly<{ ruleId: string; parameter: string; value: number; reason: string; setBy: string; setAt: string }>;

type Parameter = 'threshold' | 'amount' | 'count';
const PARAMETERS: readonly Parameter[] = ['threshold', 'amount', 'count'];

/** The parameters of a rule a clinician may set for one patient, with the rule set's value. */
function parametersOf(rule: Rule): Array<{ parameter: Parameter; value: number }> {
  return PARAMETERS.flatMap((parameter) => (rule[parameter] === undefined ? [] : [{ parameter, value: rule[parameter]! }]));
}

/**
 * The patient's own thresholds: every rule value a clinician may change for this patient, the patient's value and
 * why; set one with its clinical reason, or go back to the rule set's value (with a reason too). The patient is
 * re-assessed at once, so `onChange` reloads the page.
 */
export function ThresholdsPanel({ patientId, rules, overrides, onChange }: { patientId: string; rules: readonly Rule[]; overrides: readonly Override[]; onChange: () => void }) {
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const choices = rules.flatMap((rule) => parametersOf(rule).map((p) => ({ key: `${rule.id}/${p.parameter}`, rule, ...p })));
  const [choice, setChoice] = useState('');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const chosen = choices.find((c) => c.key === choice) ?? choices[0];

  const send = async (method: 'PUT' | 'DELETE', ruleId: string, json: unknown): Promise<void> => {
    try {
      await api(`/api/patients/${patientId}/triage/overrides/${encodeURIComponent(ruleId)}`, { method, json });
      setError(undefined);
      setValue('');
      setReason('');
      onChange();
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };

  return (
    <section aria-labelledby="thresholds-heading" data-testid="thresholds">
      <h2 id="thresholds-heading">{t('thresholds.title')}</h2>
      {overrides.length === 0 ? (
        <p>{t('thresholds.none')}</p>
      ) : (
        <table className="worklist">
          <caption className="visually-hidden">{t('thresholds.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('thresholds.rule')}</th>
              <th scope="col">{t('thresholds.value')}</th>
              <th scope="col">{t('thresholds.reason')}</th>
              <th scope="col">{t('thresholds.setBy')}</th>
              <th scope="col">{t('thresholds.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {overrides.map((o) => {
              const rule = rules.find((r) => r.id === o.ruleId);
              return (
                <tr key={`${o.ruleId}/${o.parameter}`} data-rule={o.ruleId}>
                  <td>{`${o.ruleId} (${t(`thresholds.parameters.${o.parameter}`)})`}</td>
                  <td>{t('thresholds.instead', { value: o.value, unit: rule?.unit ?? '', standard: rule?.[o.parameter as Parameter] ?? '' })}</td>
                  <td>{o.reason}</td>
                  <td>{`${o.setBy}, ${formatDateTime(o.setAt, i18n.language)}`}</td>
                  <td>
                    <Button variant="tertiary" data-size="sm" disabled={reason.trim() === ''} onClick={() => void send('DELETE', o.ruleId, { reason })}>
                      {t('thresholds.remove', { rule: o.ruleId })}
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <ErrorMessage text={error} />
      {chosen ? (
        <form
          className="actions"
          aria-label={t('thresholds.set')}
          onSubmit={(event) => {
            event.preventDefault();
            void send('PUT', chosen.rule.id, { parameter: chosen.parameter, value: Number(value), reason });
          }}
        >
          <label>
            {t('thresholds.rule')}
            <select value={chosen.key} onChange={(event) => setChoice(event.target.value)}>
              {choices.map((c) => (
                <option key={c.key} value={c.key}>
                  {`${c.rule.id}: ${t(`thresholds.parameters.${c.parameter}`)} ${c.value}${c.rule.unit && c.parameter !== 'count' ? ` ${c.rule.unit}` : ''}`}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('thresholds.newValue')}
            <input inputMode="decimal" value={value} onChange={(event) => setValue(event.target.value.replace(',', '.'))} />
          </label>
          <label>
            {t('thresholds.reason')}
            <input value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
          <Button type="submit" variant="secondary" data-size="sm" disabled={value.trim() === '' || Number.isNaN(Number(value)) || reason.trim() === ''}>
            {t('thresholds.set')}
          </Button>
        </form>
      ) : null}
    </section>
  );
}
