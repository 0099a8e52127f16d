import { Button } from '@digdir/designsystemet-react';
import { ErrorMessage, formatDateTime, problemText, useSession } from '@varde/web-common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ColourBadge } from './colour-badge';
import type { Alert } from './types';

const OUTCOMES = ['contacted-patient', 'changed-treatment', 'booked-visit', 'no-action'] as const;

/** An alert with acknowledge, assign, comment and resolve, as the alerts API offers them. */
export function AlertCard({ alert, onChange }: { alert: Alert; onChange: () => void }) {
  const { t, i18n } = useTranslation();
  const { api, subject } = useSession();
  const [assignee, setAssignee] = useState(subject);
  const [comment, setComment] = useState('');
  const [outcome, setOutcome] = useState<(typeof OUTCOMES)[number]>('contacted-patient');
  const [error, setError] = useState<string>();
  const act = async (action: string, json?: unknown): Promise<void> => {
    try {
      await api(`/api/alerts/${alert.id}/${action}`, { method: 'POST', ...(json === undefined ? {} : { json }) });
      setError(undefined);
      if (action === 'comments') setComment('');
      onChange();
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };
  const resolved = alert.status === 'resolved';
  return (
    <article className="alert-card" data-testid="alert" data-status={alert.status} aria-label={`${t(`colour.${alert.colour}`)} – ${t(`patient.alertStatus.${alert.status}`)}`}>
      <p>
        <ColourBadge colour={alert.colour} /> <strong data-testid="alert-status">{t(`patient.alertStatus.${alert.status}`)}</strong> · {t('patient.raisedAt')}{' '}
        {formatDateTime(alert.raisedAt, i18n.language)}
        {alert.assignee ? ` · ${t('worklist.assignedTo', { assignee: alert.assignee })}` : ''}
      </p>
      <ul>
        {alert.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <ErrorMessage text={error} />
      {resolved ? null : (
        <div className="actions">
          {alert.status === 'open' ? (
            <Button data-size="sm" onClick={() => void act('acknowledge')}>
              {t('patient.acknowledge')}
            </Button>
          ) : null}
          <label>
            {t('patient.assignee')}
            <input value={assignee} onChange={(event) => setAssignee(event.target.value)} />
          </label>
          <Button variant="secondary" data-size="sm" onClick={() => void act('assign', { assignee })}>
            {t('patient.assign')}
          </Button>
          <label>
            {t('patient.comment')}
            <input value={comment} onChange={(event) => setComment(event.target.value)} />
          </label>
          <Button variant="secondary" data-size="sm" disabled={comment.trim() === ''} onClick={() => void act('comments', { text: comment })}>
            {t('patient.addComment')}
          </Button>
          <label>
            {t('patient.outcome')}
            <select value={outcome} onChange={(event) => setOutcome(event.target.value as (typeof OUTCOMES)[number])}>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`patient.outcomes.${o}`)}
                </option>
              ))}
            </select>
          </label>
          <Button variant="secondary" data-size="sm" onClick={() => void act('resolve', { outcome })}>
            {t('patient.resolve')}
          </Button>
        </div>
      )}
    </article>
  );
}
