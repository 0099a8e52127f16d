import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { createApi, type Api } from './api';

/** What the platform tells an app at `<base>/config.json`: the OIDC issuer and the app's client id. */
export type AppConfig = Readonly<{ issuer: string; clientId: string }>;

/** Where a sign-in started, so the user lands there again afterwards. */
type SignInState = Readonly<{ returnTo: string }>;

/** Reads the app's configuration from the platform that served it. */
export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`);
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return (await response.json()) as AppConfig;
}

/**
 * The OIDC client: authorization code with PKCE; the tokens are kept in memory only (never localStorage), so a
 * reload or a new tab signs in again. Only the PKCE verifier waits in sessionStorage during the redirect.
 */
export function createUserManager(config: AppConfig): UserManager {
  const home = `${window.location.origin}${import.meta.env.BASE_URL}`;
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: home,
    post_logout_redirect_uri: home,
    response_type: 'code',
    scope: 'openid',
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
  });
}

/** Completes a sign-in when the issuer has just redirected back with a code; the signed-in user, or undefined. */
export async function completeSignIn(manager: UserManager): Promise<User | undefined> {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('code') || !params.has('state')) return undefined;
  const user = await manager.signinRedirectCallback();
  const returnTo = (user.state as SignInState | undefined)?.returnTo ?? import.meta.env.BASE_URL;
  window.history.replaceState(null, '', returnTo);
  return user;
}

/** Sends the browser to the issuer's sign-in, to come back to where it is now. */
export function signIn(manager: UserManager): Promise<void> {
  const state: SignInState = { returnTo: `${window.location.pathname}${window.location.search}` };
  return manager.signinRedirect({ state });
}

/** The signed-in user as the apps see them. */
export type Session = Readonly<{
  user: User;
  /** The Varde role from the ID token. */
  role: string;
  /** The user's id (`sub`). */
  subject: string;
  /** A patient's own id; a guardian's children. */
  patientIds: readonly string[];
  api: Api;
  signOut: () => void;
}>;

const SessionContext = createContext<Session | undefined>(undefined);

/** Provides the session to the app below it. */
export function SessionProvider({ manager, user, children }: { manager: UserManager; user: User; children: ReactNode }) {
  const session = useMemo<Session>(() => {
    const profile = user.profile as Record<string, unknown>;
    const patientIds = [profile['varde_patient_id'], ...((profile['varde_patient_ids'] as string[] | undefined) ?? [])].filter((id): id is string => typeof id === 'string');
    return {
      user,
      role: String(profile['varde_role'] ?? ''),
      subject: user.profile.sub,
      patientIds,
      // On 401 (expired or refused) sign in again; what the user typed is kept by the screens as drafts.
      api: createApi(() => user.access_token, () => void signIn(manager)),
      signOut: () => void manager.signoutRedirect({ id_token_hint: user.id_token }),
    };
  }, [manager, user]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The current session; only inside {@link SessionProvider}. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
