import Button from '@helsenorge/designsystem-react/components/Button';
import Input from '@helsenorge/designsystem-react/components/Input';
import Title from '@helsenorge/designsystem-react/components/Title';
import { formatDateTime, problemText, useApiRead, useSession } from '@varde/web-common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from './notice';

type Party = { reference?: { display?: string; identifier?: { system?: string; value?: string } } };
type Consent = {
  resourceType?: 'Consent';
  id: string;
  status: string;
  dateTime?: string;
  meta?: { lastUpdated?: string; versionId?: string };
  provision?: { type?: 'permit' | 'deny'; actor?: Party[]; period?: { start?: string; end?: string }; class?: Array<{ code?: string }> };
};

const HPR = 'urn:oid:2.16.578.1.12.4.1.4.4';
const ORGANISATION = 'urn:oid:2.16.578.1.12.4.1.4.101';

/** What the patient can record: share with an organisation, block an organisation, block a health professional. */
type Kind = 'permit-organisation' | 'deny-organisation' | 'deny-professional';
const KINDS: readonly Kind[] = ['permit-organisation', 'deny-organisation', 'deny-professional'];

/** A FHIR Consent as sharing takes it (docs/api/sharing.md): a permit to share, or a block, naming one party by number (and by the name chosen). */
function newConsent(patientId: string, kind: Kind, number: string, name?: string) {
  const permit = kind === 'permit-organisation';
  const professional = kind === 'deny-professional';
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: new Date().toISOString(),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: permit ? 'OPTIN' : 'OPTOUT' }] },
    provision: {
      type: permit ? 'permit' : 'deny',
      actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: professional ? 'PRCP' : 'IRCP' }] }, reference: { identifier: { system: professional ? HPR : ORGANISATION, value: number }, ...(name ? { display: name } : {}) } }],
    },
  };
}

/** An organisation of the trust's directory (`GET /fhir/Organization`), as the search lists it. */
type Organisation = { number: string; name: string };
const RECEIVER_KINDS = 'municipality,gp,health-trust';

/** A party in words: its name when the consent names one, else "organisation 910000012" / "health professional (HPR) 1234567". */
function partyText(party: Party, t: (key: string, options?: Record<string, unknown>) => string): string {
  const identifier = party.reference?.identifier;
  if (party.reference?.display) return party.reference.display;
  return identifier?.system === HPR ? t('consents.professional', { number: identifier.value }) : t('consents.organisation', { number: identifier?.value ?? '?' });
}

/** My consents to share and my blocks (`GET /fhir/Consent?patient=`), each in plain words, in force or not. */
export function ConsentsPage({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { api } = useSession();
  const [reads, setReads] = useState(0);
  const [kind, setKind] = useState<Kind>('permit-organisation');
  const [number, setNumber] = useState('');
  const [chosen, setChosen] = useState<Organisation>();
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const { value: consents, error } = useApiRead(
    async (read) => ((await read<{ entry?: Array<{ resource: Consent }> }>(`/fhir/Consent?patient=Patient/${patientId}`)).entry ?? []).map((e) => e.resource),
    [patientId, reads],
  );
  const professional = kind === 'deny-professional';
  // An organisation is found by its name (or its number) in the trust's directory; a professional by HPR number.
  const search = number.trim();
  const { value: found } = useApiRead(
    async (read) => {
      if (professional || search.length < 2) return [];
      const by = /^\d{9}$/.test(search) ? `identifier=${search}` : `name:contains=${encodeURIComponent(search)}`;
      const bundle = await read<{ entry?: Array<{ resource: { id: string; name?: string } }> }>(`/fhir/Organization?${by}${kind === 'permit-organisation' ? `&type=${RECEIVER_KINDS}` : ''}&_count=10`);
      return (bundle.entry ?? []).map((e): Organisation => ({ number: e.resource.id, name: e.resource.name ?? e.resource.id }));
    },
    [search, kind, professional],
  );
  const matches = found ?? [];
  const picked = chosen && matches.some((m) => m.number === chosen.number) ? chosen : matches.length === 1 && /^\d{9}$/.test(search) ? matches[0] : undefined;
  const target = professional ? (/^\d{4,9}$/.test(search) ? search : undefined) : (picked?.number ?? (/^\d{9}$/.test(search) ? search : undefined));
  const numberHint = professional && search !== '' && !/^\d{4,9}$/.test(search) ? t('consents.hprHint') : undefined;

  const give = async (): Promise<void> => {
    if (target === undefined) {
      setProblem(t(professional ? 'consents.hprHint' : 'consents.chooseOrganisation'));
      return;
    }
    try {
      await api('/fhir/Consent', { method: 'POST', json: newConsent(patientId, kind, target, picked?.name) });
      setProblem(undefined);
      setNumber('');
      setChosen(undefined);
      setDone(t(`consents.given.${kind}`, { number: picked?.name ?? target }));
      setReads((n) => n + 1);
    } catch (failure) {
      setProblem(problemText(failure, t));
    }
  };

  const withdraw = async (consent: Consent): Promise<void> => {
    const { meta, ...current } = consent;
    try {
      await api(`/fhir/Consent/${consent.id}`, { method: 'PUT', json: { ...current, resourceType: 'Consent', status: 'inactive' }, headers: meta?.versionId ? { 'if-match': `W/"${meta.versionId}"` } : {} });
      setProblem(undefined);
      setDone(t(consent.provision?.type === 'deny' ? 'consents.lifted' : 'consents.withdrawn'));
      setReads((n) => n + 1);
    } catch (failure) {
      setProblem(problemText(failure, t));
    }
  };

  return (
    <>
      <Title htmlMarkup="h1" appearance="title2">{t('consents.title')}</Title>
      <p>{t('consents.intro')}</p>
      <ErrorNotice text={error} />
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
              {inForce ? (
                <>
                  {' '}
                  <Button variant="borderless" onClick={() => void withdraw(consent)}>
                    {t(consent.provision?.type === 'deny' ? 'consents.lift' : 'consents.withdraw', { parties })}
                  </Button>
                </>
              ) : null}
            </li>
          );
        })}
      </ul>
      <p role="status">{done}</p>
      <section aria-labelledby="give-heading">
        <Title htmlMarkup="h2" appearance="title3" id="give-heading">{t('consents.giveTitle')}</Title>
        <form
          className="form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void give();
          }}
        >
          <fieldset className="question">
            <legend>{t('consents.kind')}</legend>
            <div className="options">
              {KINDS.map((k) => (
                <span key={k} className="option">
                  <input type="radio" id={`consent-${k}`} name="consent-kind" checked={kind === k} onChange={() => setKind(k)} />
                  <label htmlFor={`consent-${k}`}>{t(`consents.kinds.${k}`)}</label>
                </span>
              ))}
            </div>
          </fieldset>
          <Input
            label={t(professional ? 'consents.hprNumber' : 'consents.organisationSearch')}
            inputMode={professional ? 'numeric' : 'search'}
            autoComplete="off"
            value={number}
            onChange={(event) => {
              setNumber(event.target.value);
              setChosen(undefined);
            }}
            error={numberHint !== undefined}
            aria-describedby="consent-number-hint"
            afterInputChildren={
              <p id="consent-number-hint" className={numberHint ? 'hint-bad' : 'hint'}>
                {numberHint ?? t(professional ? 'consents.hprHelp' : 'consents.organisationHelp')}
              </p>
            }
          />
          {!professional && search.length >= 2 ? (
            <fieldset className="question" data-testid="organisation-matches">
              <legend>{t('consents.matches', { count: matches.length })}</legend>
              <div className="options">
                {matches.map((m) => (
                  <span key={m.number} className="option">
                    <input type="radio" id={`organisation-${m.number}`} name="organisation" checked={picked?.number === m.number} onChange={() => setChosen(m)} />
                    <label htmlFor={`organisation-${m.number}`}>
                      {m.name} ({m.number})
                    </label>
                  </span>
                ))}
              </div>
            </fieldset>
          ) : null}
          <ErrorNotice text={problem} />
          <Button type="submit">{t(kind === 'permit-organisation' ? 'consents.givePermit' : 'consents.giveBlock')}</Button>
        </form>
      </section>
    </>
  );
}
