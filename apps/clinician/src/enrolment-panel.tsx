import { Button } from '@digdir/designsystemet-react';
import { ErrorMessage, formatDateTime, problemText, useSession } from '@varde/web-common';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PathwayOptions, usePathways } from './pathway-options';
import type { PersonName } from './patient-names';

/** `GET /api/enrolments/{patientId}`. */
type Enrolment = Readonly<{
  status: 'active' | 'paused' | 'discharged';
  pathwayId: string;
  pathwayVersion: number;
  enrolledAt: string;
  careTeamId: string;
  admission: number;
  pause?: { reason: string; since: string; until?: string };
  discharge?: { reason: string; at: string };
  version: number;
  /** Given at enrolment (`GET` only): the patient's name. */
  name?: PersonName;
}>;

const DISCHARGE_REASONS = ['completed', 'readmitted', 'transferred-to-municipality', 'deceased', 'withdrew'] as const;
type Action = 'pause' | 'resume' | 'change-pathway' | 'discharge';

/**
 * The patient's enrolment and its course as pathways offers it: pause (with a reason and, if wanted, an end date),
 * resume, change pathway, discharge. Each change sends the version it was made on (`If-Match`), so a change someone
 * else made meanwhile is shown, not overwritten.
 */
export function EnrolmentPanel({
  patientId,
  onChange,
  onStatus,
  onName,
}: {
  patientId: string;
  onChange: () => void;
  onStatus?: (status: Enrolment['status']) => void;
  /** Told the patient's name once the enrolment is read (null when none is kept). */
  onName?: (name: PersonName | null) => void;
}) {
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const pathways = usePathways();
  const [enrolment, setEnrolment] = useState<Enrolment>();
  const [error, setError] = useState<string>();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [pathway, setPathway] = useState('');
  const [dischargeReason, setDischargeReason] = useState<(typeof DISCHARGE_REASONS)[number]>('completed');
  const [done, setDone] = useState('');

  const load = useCallback(async () => {
    try {
      const read = await api<Enrolment>(`/api/enrolments/${patientId}`);
      setEnrolment(read);
      onName?.(read.name ?? null);
    } catch (failure) {
      setError(problemText(failure, t));
    }
  }, [api, patientId, t, onName]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    if (enrolment) onStatus?.(enrolment.status);
  }, [enrolment, onStatus]);

  const act = async (action: Action): Promise<void> => {
    if (!enrolment) return;
    const json =
      action === 'pause'
        ? { reason, ...(until ? { until: new Date(until).toISOString() } : {}) }
        : action === 'change-pathway'
          ? { pathway: pathway || enrolment.pathwayId, reason }
          : action === 'discharge'
            ? { reason: dischargeReason }
            : {};
    try {
      const now = await api<Enrolment>(`/api/enrolments/${patientId}/${action}`, { method: 'POST', json, headers: { 'if-match': `"${enrolment.version}"` } });
      setEnrolment(now);
      setError(undefined);
      setReason('');
      setUntil('');
      setDone(t(`enrolment.done.${action}`));
      onChange();
    } catch (failure) {
      setError(problemText(failure, t));
      void load();
    }
  };

  const title = (id: string) => pathways.find((p) => p.id === id)?.title ?? id;
  return (
    <section aria-labelledby="enrolment-heading" data-testid="enrolment">
      <h2 id="enrolment-heading">{t('enrolment.title')}</h2>
      {enrolment ? (
        <>
          <p data-testid="enrolment-status">
            <strong>{t(`enrolment.status.${enrolment.status}`)}</strong> · {title(enrolment.pathwayId)} (v{enrolment.pathwayVersion}) · {enrolment.careTeamId} ·{' '}
            {t('enrolment.since', { date: formatDateTime(enrolment.enrolledAt, i18n.language) })}
            {enrolment.pause ? ` · ${t('enrolment.pausedBecause', { reason: enrolment.pause.reason })}` : ''}
            {enrolment.pause?.until ? ` ${t('enrolment.until', { date: formatDateTime(enrolment.pause.until, i18n.language) })}` : ''}
            {enrolment.discharge ? ` · ${t(`enrolment.dischargeReasons.${enrolment.discharge.reason}`)}` : ''}
          </p>
          <p role="status" className="status-line">
            {done}
          </p>
          <ErrorMessage text={error} />
          {enrolment.status === 'discharged' ? null : (
            <div className="actions">
              <label>
                {t('enrolment.reason')}
                <input value={reason} onChange={(event) => setReason(event.target.value)} />
              </label>
              {enrolment.status === 'active' ? (
                <>
                  <label>
                    {t('enrolment.pauseUntil')}
                    <input type="date" value={until} onChange={(event) => setUntil(event.target.value)} />
                  </label>
                  <Button variant="secondary" data-size="sm" disabled={reason.trim() === ''} onClick={() => void act('pause')}>
                    {t('enrolment.pause')}
                  </Button>
                </>
              ) : (
                <Button variant="secondary" data-size="sm" onClick={() => void act('resume')}>
                  {t('enrolment.resume')}
                </Button>
              )}
              <label>
                {t('enrolment.newPathway')}
                <select value={pathway || enrolment.pathwayId} onChange={(event) => setPathway(event.target.value)}>
                  <PathwayOptions pathways={pathways} />
                </select>
              </label>
              <Button variant="secondary" data-size="sm" disabled={reason.trim() === ''} onClick={() => void act('change-pathway')}>
                {t('enrolment.changePathway')}
              </Button>
              <label>
                {t('enrolment.dischargeReason')}
                <select value={dischargeReason} onChange={(event) => setDischargeReason(event.target.value as (typeof DISCHARGE_REASONS)[number])}>
                  {DISCHARGE_REASONS.map((r) => (
                    <option key={r} value={r}>
                      {t(`enrolment.dischargeReasons.${r}`)}
                    </option>
                  ))}
                </select>
              </label>
              <Button variant="secondary" data-size="sm" onClick={() => void act('discharge')}>
                {t('enrolment.discharge')}
              </Button>
            </div>
          )}
        </>
      ) : (
        <ErrorMessage text={error} />
      )}
    </section>
  );
}
