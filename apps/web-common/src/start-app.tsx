import type { Resource } from 'i18next';
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppShell } from './app-shell';
import { initI18n } from './i18n';

/** Starts an app in `#root`: its message catalogues, then sign-in, then `app`. `title` is a catalogue key. */
export function startApp(resources: Resource, title: string, app: ReactNode): void {
  void initI18n(resources).then((i18n) =>
    createRoot(document.getElementById('root')!).render(
      <StrictMode>
        <AppShell title={i18n.t(title)}>{app}</AppShell>
      </StrictMode>,
    ),
  );
}
