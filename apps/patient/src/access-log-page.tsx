import Title from '@helsenorge/designsystem-react/components/Title';
import { formatDateTime, useApiRead } from '@varde/web-common';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from './notice';

type Entry = { accessedAt: string; actor: { subject: string; role: string; organisation?: string }; purpose: string; resource: string };

// What was looked at, in words: the resource names the access log records, by their first part.
function what(resource: string, purpose: string): string {
  if (/Observation|measurements/.test(resource)) return 'measurements';
  if (purpose === 'worklist') return 'worklist';
  if (/alert/.test(purpose)) return 'alerts';
  if (/^triage/.test(resource) || /triage/.test(purpose)) return 'triage';
  if (/Questionnaire/.test(resource)) return 'forms';
  return 'other';
}

/** Who has looked at my data, newest first, in plain language. */
export function AccessLogPage({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { value: entries, error } = useApiRead(async (api) => (await api<{ entries: Entry[] }>(`/api/patients/${patientId}/access-log?limit=200`)).entries, [patientId]);
  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{t('accessLog.title')}</Title>
      <p>{t('accessLog.intro')}</p>
      <ErrorNotice text={error} />
      {entries?.length === 0 ? <p>{t('accessLog.none')}</p> : null}
      <ul className="access-log" data-testid="access-log">
        {(entries ?? []).map((entry, index) => (
          <li key={`${entry.accessedAt}-${index}`} data-role={entry.actor.role}>
            {t('accessLog.entry', {
              when: formatDateTime(entry.accessedAt, i18n.language),
              who: t(`accessLog.role.${entry.actor.role}`, { defaultValue: entry.actor.role }),
              what: t(`accessLog.what.${what(entry.resource, entry.purpose)}`),
            })}
            {entry.actor.organisation ? ` (${t('accessLog.organisation', { organisation: entry.actor.organisation })})` : ''}
          </li>
        ))}
      </ul>
    </>
  );
}
