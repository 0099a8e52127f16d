import { type DependencyList, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Api } from './api';
import { useSession } from './auth';
import { problemText } from './problem';

/** What {@link useApiRead} has read so far: the value of the last read that succeeded, the failure in words. */
export type ApiRead<T> = Readonly<{ value?: T; error?: string }>;

/**
 * Reads with the session's API when the component mounts and again whenever `deps` change (what `read` depends
 * on). An answer that comes after the component moved on (unmounted, or `deps` changed) is dropped; a failure
 * keeps the last value and says why (problemText), and the next read that succeeds clears it.
 */
export function useApiRead<T>(read: (api: Api) => Promise<T>, deps: DependencyList): ApiRead<T> {
  const { t } = useTranslation();
  const { api } = useSession();
  const [state, setState] = useState<ApiRead<T>>({});
  useEffect(() => {
    let live = true;
    read(api).then(
      (value) => live && setState({ value }),
      (failure: unknown) => live && setState((last) => ({ ...last, error: problemText(failure, t) })),
    );
    return () => {
      live = false;
    };
    // `read` is a new function each render; `deps` are what it reads.
  }, [api, t, ...deps]);
  return state;
}
