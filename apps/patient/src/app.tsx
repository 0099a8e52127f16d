import { AppLink, LanguageSwitch, SkipLink, useRoute, useSession } from '@varde/web-common';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AccessLogPage } from './access-log-page';
import { ConsentsPage } from './consents-page';
import { FormsPage } from './forms-page';
import { MeasurePage } from './measure-page';
import { MeasurementsPage } from './measurements-page';
import { TodayPage } from './today-page';

// The form renderer is its own chunk, loaded when a form is opened: the first download stays small for old phones.
const FormPage = lazy(() => import('./form-page').then((m) => ({ default: m.FormPage })));

const SCREENS = [
  ['', 'nav.today'],
  ['form', 'nav.form'],
  ['measure', 'nav.measure'],
  ['measurements', 'nav.measurements'],
  ['access-log', 'nav.accessLog'],
  ['consents', 'nav.consents'],
] as const;

/** The patient app: a menu of six screens, mobile first. */
export function App() {
  const { t } = useTranslation();
  const session = useSession();
  const path = useRoute();
  // A guardian acts for one of the children their token names at a time; a patient for themselves.
  const [patientId, setPatientId] = useState(session.patientIds[0] ?? '');
  const screen = () => {
    switch (path) {
      case '/form':
        return <FormsPage patientId={patientId} />;
      case '/measure':
        return <MeasurePage patientId={patientId} />;
      case '/measurements':
        return <MeasurementsPage patientId={patientId} />;
      case '/access-log':
        return <AccessLogPage patientId={patientId} />;
      case '/consents':
        return <ConsentsPage patientId={patientId} />;
      default:
        if (path.startsWith('/form/')) {
          return (
            <Suspense fallback={<p>{t('common.loading')}</p>}>
              <FormPage key={path} patientId={patientId} questionnaireId={decodeURIComponent(path.slice('/form/'.length))} />
            </Suspense>
          );
        }
        return <TodayPage patientId={patientId} />;
    }
  };
  return (
    <>
      <SkipLink label={t('app.skip')} />
      <header className="top">
        <strong>{t('app.title')}</strong>
        <span>
          <LanguageSwitch /> ·{' '}
          <button type="button" className="link-button" onClick={session.signOut}>
            {t('app.signOut')}
          </button>
        </span>
        {session.patientIds.length > 1 ? (
          <label className="child-switch">
            {t('app.child')}{' '}
            <select value={patientId} onChange={(event) => setPatientId(event.target.value)} data-testid="child">
              {session.patientIds.map((id, index) => (
                <option key={id} value={id}>
                  {t('app.childOption', { index: index + 1, id: id.slice(0, 8) })}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <nav aria-label={t('app.nav')}>
          <ul>
            {SCREENS.map(([to, label]) => (
              <li key={to}>
                <AppLink to={to} current={path === `/${to}` || (to === 'form' && path.startsWith('/form/'))}>
                  {t(label)}
                </AppLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" className="page" tabIndex={-1} key={patientId}>
        {screen()}
      </main>
    </>
  );
}
