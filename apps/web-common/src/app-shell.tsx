import type { User, UserManager } from 'oidc-client-ts';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { completeSignIn, createUserManager, loadConfig, SessionProvider, signIn } from './auth';

/**
 * Starts an app: reads its configuration, completes a sign-in the issuer has just redirected back from, and shows
 * either the sign-in screen or the app. Texts come from the app's catalogue (`signIn.*`, `errors.startup`).
 */
export function AppShell({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  const [manager, setManager] = useState<UserManager>();
  const [user, setUser] = useState<User>();
  const [failed, setFailed] = useState<string>();
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const created = createUserManager(await loadConfig());
      const signedIn = await completeSignIn(created);
      if (cancelled) return;
      setManager(created);
      setUser(signedIn);
      setReady(true);
    })().catch((error: unknown) => {
      if (!cancelled) setFailed(error instanceof Error ? error.message : String(error));
    });
    return () => {
      cancelled = true;
    };
  }, []);

  if (failed) {
    return (
      <main id="main" className="page">
        <h1>{title}</h1>
        <p role="alert">{t('errors.startup', { detail: failed })}</p>
      </main>
    );
  }
  if (!ready || !manager) return <p aria-live="polite">{t('common.loading')}</p>;
  if (!user) {
    return (
      <main id="main" className="page sign-in">
        <h1>{title}</h1>
        <p>{t('signIn.intro')}</p>
        <button type="button" className="primary" onClick={() => void signIn(manager)}>
          {t('signIn.button')}
        </button>
      </main>
    );
  }
  return (
    <SessionProvider manager={manager} user={user}>
      {children}
    </SessionProvider>
  );
}
