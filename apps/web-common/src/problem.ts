import { ApiError } from './api';
import type { TFunction } from 'i18next';

/** An API failure in words a person can act on, in the user's language. */
export function problemText(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t('errors.other', { detail: error instanceof Error ? error.message : String(error) });
  switch (error.status) {
    case 0:
      return t('errors.network');
    case 401:
      return t('errors.unauthorized');
    case 403:
      return t('errors.forbidden', { detail: error.message });
    case 404:
      return t('errors.notFound');
    case 409:
      return t('errors.conflict', { detail: error.message });
    case 400:
    case 422:
      return t('errors.invalid', { detail: error.message });
    case 502:
    case 503:
    case 504:
      return t('errors.unavailable');
    default:
      return t('errors.other', { detail: error.message });
  }
}
