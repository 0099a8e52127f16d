import { ErrorMessage, formatDateTime, useApiRead } from '@varde/web-common';
import { useTranslation } from 'react-i18next';

type Entry = Readonly<{ accessedAt: string; actor: { subject: string; role: string; organisation?: string; hprNumber?: string }; purpose: string; resource: string; reason?: string; emergencyAccessId?: string }>;

/** How many reads the page shows, newest first. */
const SHOWN = 50;

/**
 * Who has read the patient's data, newest first: the patient's access log as sharing keeps it (the same the patient
 * sees), for the care team to answer the patient's questions and to notice a read that should not have been. This
 * read is itself logged.
 */
export function AccessLogPanel({ patientId, reload }: { patientId: string; reload: number }) {
  const { t, i18n } = useTranslation();
  const { value: entries, error } = useApiRead(async (api) => (await api<{ entries: Entry[] }>(`/api/patients/${patientId}/access-log?limit=${SHOWN}`)).entries, [patientId, reload]);
  const who = (actor: Entry['actor']) => [t(`accessLog.role.${actor.role}`, { defaultValue: actor.role }), actor.hprNumber ? t('accessLog.hpr', { hpr: actor.hprNumber }) : actor.subject, actor.organisation ? t('accessLog.organisation', { organisation: actor.organisation }) : ''].filter(Boolean).join(' · ');
  return (
    <section aria-labelledby="access-log-heading" data-testid="access-log">
      <h2 id="access-log-heading">{t('accessLog.title')}</h2>
      <ErrorMessage text={error} />
      {entries?.length === 0 ? <p>{t('accessLog.none')}</p> : null}
      {entries && entries.length > 0 ? (
        <table className="worklist">
          <caption className="visually-hidden">{t('accessLog.caption', { count: SHOWN })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('accessLog.when')}</th>
              <th scope="col">{t('accessLog.who')}</th>
              <th scope="col">{t('accessLog.what')}</th>
              <th scope="col">{t('accessLog.why')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, index) => (
              <tr key={`${entry.accessedAt}-${index}`} data-role={entry.actor.role}>
                <td>{formatDateTime(entry.accessedAt, i18n.language)}</td>
                <td>{who(entry.actor)}</td>
                <td>{entry.resource}</td>
                <td>{[entry.purpose, entry.emergencyAccessId ? t('accessLog.emergency') : ''].filter(Boolean).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {entries && entries.length >= SHOWN ? <p>{t('accessLog.latest', { count: SHOWN })}</p> : null}
    </section>
  );
}
