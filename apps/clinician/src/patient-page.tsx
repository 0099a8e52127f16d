import { Heading } from '@digdir/designsystemet-react';
import { AppLink, ErrorMessage, formatDateTime, type PlotThreshold, problemText, useSession, type VitalSign, VitalSignPlots } from '@varde/web-common';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertCard } from './alert-card';
import { ColourBadge } from './colour-badge';
import { AccessLogPanel } from './access-log-panel';
import { EnrolmentPanel } from './enrolment-panel';
import { formatName, type PersonName } from './patient-names';
import { PatientNamePanel } from './patient-name-panel';
import { PausedBadge } from './paused-badge';
import { FormResponsesPanel } from './form-responses-panel';
import { type Override, type Rule, ThresholdsPanel } from './thresholds-panel';
import type { Alert, Colour } from './types';

type Triage = Readonly<{ colour: Colour; reasons: string[]; since: string; pathwayId: string | null }>;
type Decision = Readonly<{ assessmentId: string; colour: Colour; assessedAt: string; reasons: Array<{ text: string }>; provenance: { ruleSetId: string; ruleSetVersion: number } }>;
type RuleSet = Readonly<{ id: string; pathwayId: string; document?: { rules?: Rule[] } }>;

/**
 * One patient: status, the enrolment with its actions, a plot per vital sign with their thresholds (and a continuous
 * SpO2 stream as hourly aggregates), alerts with their actions,
 * their own thresholds, form responses with scores, triage history with verify.
 */
export function PatientPage({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const [triage, setTriage] = useState<Triage>();
  const [rules, setRules] = useState<readonly Rule[]>([]);
  const [overrides, setOverrides] = useState<readonly Override[]>([]);
  const [enrolmentStatus, setEnrolmentStatus] = useState<'active' | 'paused' | 'discharged'>();
  // undefined until the enrolment is read; null when no name is kept.
  const [name, setName] = useState<PersonName | null>();
  const [history, setHistory] = useState<readonly Decision[]>([]);
  const [alerts, setAlerts] = useState<readonly Alert[]>([]);
  const [verified, setVerified] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string>();
  const [loads, setLoads] = useState(0);

  const load = useCallback(async () => {
    setLoads((n) => n + 1);
    try {
      const [status, ruleSets, own, decisions, open] = await Promise.all([
        api<Triage>(`/api/patients/${patientId}/triage`),
        api<{ ruleSets: RuleSet[] }>('/api/rule-sets'),
        api<{ overrides: Override[] }>(`/api/patients/${patientId}/triage/overrides`),
        api<{ decisions: Decision[] }>(`/api/patients/${patientId}/triage/history`),
        api<{ alerts: Alert[] }>(`/api/alerts?patient=${patientId}`),
      ]);
      setTriage(status);
      const latest = ruleSets.ruleSets.find((r) => r.pathwayId === status.pathwayId);
      const ruleSet = latest ? await api<RuleSet>(`/api/rule-sets/${latest.id}`) : undefined;
      setRules(ruleSet?.document?.rules ?? []);
      setOverrides(own.overrides);
      setHistory([...decisions.decisions].reverse());
      setAlerts(open.alerts);
      setError(undefined);
    } catch (failure) {
      setError(problemText(failure, t));
    }
  }, [api, patientId, t]);

  useEffect(() => void load(), [load]);

  // The patient's threshold rules on a sign's codes (with their own overrides), drawn into that sign's plot.
  const thresholdsFor = useCallback(
    (sign: VitalSign): PlotThreshold[] =>
      rules
        .filter((rule) => rule.kind === 'threshold' && sign.codes.some((code) => rule.code === `loinc:${code}`) && rule.threshold !== undefined)
        .map((rule) => {
          const value = overrides.find((o) => o.ruleId === rule.id && o.parameter === 'threshold')?.value ?? rule.threshold!;
          return { value, label: t('patient.threshold', { value, unit: rule.unit ?? sign.unit, rule: rule.id }) };
        }),
    [rules, overrides, t],
  );

  const verify = async (assessmentId: string): Promise<void> => {
    try {
      const answer = await api<{ verified: boolean }>(`/api/patients/${patientId}/triage/assessments/${assessmentId}/verify`, { method: 'POST' });
      setVerified({ ...verified, [assessmentId]: answer.verified });
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };

  return (
    <>
      <p>
        <AppLink to="">{t('patient.back')}</AppLink>
      </p>
      <Heading level={1} data-size="lg">
        {name ? t('patient.titleNamed', { name: formatName(name), id: patientId.slice(0, 8) }) : t('patient.title', { id: patientId.slice(0, 8) })}
      </Heading>
      <ErrorMessage text={error} />
      {triage ? (
        <section aria-labelledby="status-heading">
          <h2 id="status-heading">{t('patient.status')}</h2>
          <p>
            <ColourBadge colour={triage.colour} />
            {enrolmentStatus === 'paused' ? <PausedBadge /> : null} {formatDateTime(triage.since, i18n.language)}
          </p>
          <ul>
            {triage.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <EnrolmentPanel patientId={patientId} onChange={() => void load()} onStatus={setEnrolmentStatus} onName={setName} />
      {name === undefined ? null : <PatientNamePanel patientId={patientId} name={name} onName={setName} />}
      <section aria-labelledby="measurements-heading">
        <h2 id="measurements-heading">{t('patient.measurements')}</h2>
        <VitalSignPlots key={patientId} patientId={patientId} thresholdsFor={thresholdsFor} />
      </section>
      <section aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">{t('patient.alerts')}</h2>
        {alerts.length === 0 ? <p>{t('patient.noAlerts')}</p> : alerts.map((alert) => <AlertCard key={alert.id} alert={alert} onChange={() => void load()} />)}
      </section>
      <ThresholdsPanel patientId={patientId} rules={rules} overrides={overrides} onChange={() => void load()} />
      <FormResponsesPanel patientId={patientId} reload={loads} />
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t('patient.history')}</h2>
        {history.length === 0 ? (
          <p>{t('patient.noHistory')}</p>
        ) : (
          <table className="worklist">
            <thead>
              <tr>
                <th scope="col">{t('patient.assessedAt')}</th>
                <th scope="col">{t('worklist.status')}</th>
                <th scope="col">{t('worklist.reasons')}</th>
                <th scope="col">{t('patient.ruleVersion')}</th>
                <th scope="col">{t('patient.verify')}</th>
              </tr>
            </thead>
            <tbody>
              {history.map((data) => (
                <tr key={`${data.assessmentId}-${data.assessedAt}`}>
                  <td>{formatDateTime(data.assessedAt, i18n.language)}</td>
                  <td>
                    <ColourBadge colour={data.colour} />
                  </td>
                  <td>{data.reasons.map((r) => r.text).join('; ')}</td>
                  <td>{`${data.provenance.ruleSetId} v${data.provenance.ruleSetVersion}`}</td>
                  <td>
                    {verified[data.assessmentId] === undefined ? (
                      <button type="button" className="link-button" onClick={() => void verify(data.assessmentId)}>
                        {t('patient.verify')}
                      </button>
                    ) : verified[data.assessmentId] ? (
                      t('patient.verified')
                    ) : (
                      t('patient.verifyDiffers')
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <AccessLogPanel patientId={patientId} reload={loads} />
    </>
  );
}
