import { Button } from '@digdir/designsystemet-react';
import { AppLink, LanguageSwitch, SkipLink, useRoute, useSession } from '@varde/web-common';
import { useTranslation } from 'react-i18next';
import { DesignerPage } from './designer-page';
import { EnrolPage } from './enrol-page';
import { PatientPage } from './patient-page';
import { WorklistPage } from './worklist-page';

/** The clinician app: header with navigation, then the screen the path names. */
export function App() {
  const { t } = useTranslation();
  const session = useSession();
  const path = useRoute();
  // A pathway designer sees no patients: the rule set screen is all of their app.
  const designer = session.role === 'pathway-designer';
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
            {designer ? null : <li>{link('', t('nav.worklist'))}</li>}
            {designer ? null : <li>{link('enrol', t('nav.enrol'))}</li>}
            <li>{link('designer', t('nav.designer'))}</li>
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
        {designer || path === '/designer' ? <DesignerPage /> : patient ? <PatientPage patientId={patient} /> : path === '/enrol' ? <EnrolPage /> : <WorklistPage />}
      </main>
    </>
  );
}
