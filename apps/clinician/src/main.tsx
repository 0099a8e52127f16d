import '@digdir/designsystemet-css';
import '@digdir/designsystemet-css/theme';
import { AppShell, initI18n } from '@varde/web-common';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import en from './locales/en.json';
import nb from './locales/nb.json';
import './styles.css';

void initI18n({ nb: { translation: nb }, en: { translation: en } }).then((i18n) =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AppShell title={i18n.t('app.title')}>
        <App />
      </AppShell>
    </StrictMode>,
  ),
);
