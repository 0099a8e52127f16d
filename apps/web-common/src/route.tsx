import { useEffect, useState, type ReactNode } from 'react';

/** The app-relative path now shown (without the app's base), updated on navigation. */
export function useRoute(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const onChange = (): void => setPath(currentPath());
    window.addEventListener('popstate', onChange);
    window.addEventListener('varde:navigate', onChange);
    return () => {
      window.removeEventListener('popstate', onChange);
      window.removeEventListener('varde:navigate', onChange);
    };
  }, []);
  return path;
}

/** Shows another screen of the app without reloading it (the tokens live in memory). */
export function navigate(path: string): void {
  window.history.pushState(null, '', `${import.meta.env.BASE_URL}${path.replace(/^\//, '')}`);
  window.dispatchEvent(new Event('varde:navigate'));
  window.scrollTo(0, 0);
}

function currentPath(): string {
  const base = import.meta.env.BASE_URL;
  const path = window.location.pathname;
  return `/${path.startsWith(base) ? path.slice(base.length) : path.replace(/^\//, '')}`;
}

/** A link to another screen of the app, opened without a reload (tokens live in memory). */
export function AppLink({ to, children, current }: { to: string; children: ReactNode; current?: boolean }) {
  return (
    <a
      href={`${import.meta.env.BASE_URL}${to}`}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
