import { Button } from '@digdir/designsystemet-react';
import { AppLink, LanguageSwitch, SkipLink, useRoute, useSession } from '@varde/web-common';
import { useTranslation } from 'react-i18next';
import { EnrolPage } from './enrol-page';
import { PatientPage } from './patient-page';
import { WorklistPage } from './worklist-page';

/** The clinician app: header with navigation, then the screen the path names. */
export function App() {
  const { t } = useTranslation();
  const session = useSession();
  const path = useRoute();
  const patient = /^\/patients\/([0-9a-f-]{36})$/.exec(path)?.[1];
  const link = (to: string, label: string) => (
    <AppLink to={to} current={path === `/${to}`}>
      {label}
    </AppLink>
  );
  return (
    <>
      <SkipLink label={t('app.skip')} />
      <header className="top">
        <strong>{t('app.title')}</strong>
        <nav aria-label={t('app.nav')}>
          <ul>
            <li>{link('', t('nav.worklist'))}</li>
            <li>{link('enrol', t('nav.enrol'))}</li>
          </ul>
        </nav>
        <div className="status-line">
          {t('app.signedInAs', { subject: session.subject })} · <LanguageSwitch /> ·{' '}
          <Button variant="tertiary" data-size="sm" onClick={session.signOut}>
            {t('app.signOut')}
          </Button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {patient ? <PatientPage patientId={patient} /> : path === '/enrol' ? <EnrolPage /> : <WorklistPage />}
      </main>
    </>
  );
}
