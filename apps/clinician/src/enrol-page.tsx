import { Heading } from '@digdir/designsystemet-react';
import { checkNationalId } from '@varde/core/src/national-id';
import { AppLink, ErrorMessage, problemText, useSession } from '@varde/web-common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { nameFromFields } from './patient-names';
import { PathwayOptions, usePathways } from './pathway-options';
import { TeamOptions } from './team-options';

/** Enrol a patient: national id checked as it is typed, the name if the record gives one, pathway, care team. */
export function EnrolPage() {
  const { t } = useTranslation();
  const { api, user } = useSession();
  const teams = (user.profile['varde_care_teams'] as string[] | undefined) ?? [];
  const [nationalId, setNationalId] = useState('');
  const [givenNames, setGivenNames] = useState('');
  const [familyName, setFamilyName] = useState('');
  const [careTeam, setCareTeam] = useState(teams[0] ?? '');
  const pathways = usePathways();
  const [pathway, setPathway] = useState('copd');
  const [error, setError] = useState<string>();
  const [enrolled, setEnrolled] = useState<string>();
  const check = nationalId.length === 11 ? checkNationalId(nationalId) : undefined;
  // A name is optional, but a family name is what pathways needs to keep one: given names alone are not sent.
  const familyMissing = givenNames.trim() !== '' && familyName.trim() === '';
  const name = nameFromFields(givenNames, familyName);

  const submit = async (): Promise<void> => {
    try {
      const answer = await api<{ patientId: string }>('/api/enrolments', { method: 'POST', json: { patient: { nationalId, ...(name ? { name } : {}) }, pathway, ...(careTeam ? { careTeam } : {}) } });
      setEnrolled(answer.patientId);
      setError(undefined);
    } catch (failure) {
      setError(problemText(failure, t));
    }
  };

  return (
    <>
      <Heading level={1} data-size="lg">
        {t('enrol.title')}
      </Heading>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label>
          {t('enrol.nationalId')}
          <input
            inputMode="numeric"
            autoComplete="off"
            maxLength={11}
            value={nationalId}
            aria-invalid={check?.valid === false}
            aria-describedby="nid-hint"
            onChange={(event) => setNationalId(event.target.value.replace(/\D/g, ''))}
          />
        </label>
        <p id="nid-hint" aria-live="polite" className={check?.valid ? 'hint-ok' : 'hint-bad'}>
          {check === undefined ? '' : check.valid ? t('enrol.nationalIdOk') : t('enrol.nationalIdInvalid')}
        </p>
        <label>
          {t('enrol.givenNames')}
          <input autoComplete="off" maxLength={200} value={givenNames} aria-describedby="name-hint" onChange={(event) => setGivenNames(event.target.value)} />
        </label>
        <label>
          {t('enrol.familyName')}
          <input autoComplete="off" maxLength={100} value={familyName} aria-invalid={familyMissing} aria-describedby="name-hint" onChange={(event) => setFamilyName(event.target.value)} />
        </label>
        <p id="name-hint" aria-live="polite" className={familyMissing ? 'hint-bad' : 'status-line'}>
          {familyMissing ? t('enrol.familyNameNeeded') : t('enrol.nameHint')}
        </p>
        <label>
          {t('enrol.pathway')}
          <select value={pathway} onChange={(event) => setPathway(event.target.value)}>
            <PathwayOptions pathways={pathways} />
          </select>
        </label>
        <label>
          {t('enrol.careTeam')}
          <select value={careTeam} onChange={(event) => setCareTeam(event.target.value)}>
            <TeamOptions teams={teams} />
          </select>
        </label>
        <ErrorMessage text={error} />
        <button type="submit" className="primary" disabled={!check?.valid || familyMissing}>
          {t('enrol.submit')}
        </button>
      </form>
      {enrolled ? (
        <p role="status">
          {t('enrol.done')}{' '}
          <AppLink to={`patients/${enrolled}`}>{t('enrol.open')}</AppLink>
        </p>
      ) : null}
    </>
  );
}
