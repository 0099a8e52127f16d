import { ErrorMessage, formatDateTime, useApiRead } from '@varde/web-common';
import { useTranslation } from 'react-i18next';

type Party = { reference?: { display?: string; identifier?: { system?: string; value?: string } } };
type Consent = {
  id: string;
  status: string;
  dateTime?: string;
  meta?: { lastUpdated?: string };
  provision?: { type?: 'permit' | 'deny'; actor?: Party[]; period?: { start?: string; end?: string }; class?: Array<{ code?: string }> };
};

const HPR = 'urn:oid:2.16.578.1.12.4.1.4.4';

/** A party in words: its name when the consent names one, else "organisation 910000012" / "health professional (HPR) 1234567". */
function partyText(party: Party, t: (key: string, options?: Record<string, unknown>) => string): string {
  const identifier = party.reference?.identifier;
  if (party.reference?.display) return party.reference.display;
  return identifier?.system === HPR ? t('consents.professional', { number: identifier.value }) : t('consents.organisation', { number: identifier?.value ?? '?' });
}

/** My consents to share and my blocks (`GET /fhir/Consent?patient=`), each in plain words, in force or not. */
export function ConsentsPage({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { value: consents, error } = useApiRead(
    async (api) => ((await api<{ entry?: Array<{ resource: Consent }> }>(`/fhir/Consent?patient=Patient/${patientId}`)).entry ?? []).map((e) => e.resource),
    [patientId],
  );
  return (
    <>
      <h1>{t('consents.title')}</h1>
      <p>{t('consents.intro')}</p>
      <ErrorMessage text={error} />
      {consents?.length === 0 ? <p>{t('consents.none')}</p> : null}
      <ul className="access-log" data-testid="consents">
        {(consents ?? []).map((consent) => {
          const parties = (consent.provision?.actor ?? []).map((a) => partyText(a, t)).join(', ');
          const inForce = consent.status === 'active';
          const period = consent.provision?.period;
          return (
            <li key={consent.id} data-status={consent.status}>
              <strong>{t(consent.provision?.type === 'deny' ? 'consents.block' : 'consents.permit', { parties })}</strong>{' '}
              {inForce ? t('consents.inForce') : t('consents.notInForce')}
              {period?.end ? ` ${t('consents.until', { date: formatDateTime(period.end, i18n.language) })}` : ''}
              {consent.meta?.lastUpdated ? ` · ${t('consents.changed', { date: formatDateTime(consent.meta.lastUpdated, i18n.language) })}` : ''}
            </li>
          );
        })}
      </ul>
    </>
  );
}
