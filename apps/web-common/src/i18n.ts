import i18next, { type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';

/** The languages of the apps: Norwegian bokmål (default) and English. */
export const LANGUAGES = ['nb', 'en'] as const;
/** One of {@link LANGUAGES}. */
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'varde.language';

/** Starts i18next with the app's message catalogues; the language is the one chosen before, else the browser's, else bokmål. */
export async function initI18n(resources: Resource): Promise<typeof i18next> {
  const chosen = localStorage.getItem(STORAGE_KEY);
  const browser = navigator.language.toLowerCase().startsWith('en') ? 'en' : 'nb';
  const lng = chosen === 'en' || chosen === 'nb' ? chosen : browser;
  await i18next.use(initReactI18next).init({ resources, lng, fallbackLng: 'nb', interpolation: { escapeValue: false } });
  document.documentElement.lang = lng;
  i18next.on('languageChanged', (language) => {
    document.documentElement.lang = language;
    localStorage.setItem(STORAGE_KEY, language);
  });
  return i18next;
}

/** The BCP 47 locale to format dates and numbers in for a language. */
export const localeOf = (language: string): string => (language === 'en' ? 'en-GB' : 'nb-NO');

/** A date and time as people of the language write it. */
export function formatDateTime(iso: string | number | Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** A number as people of the language write it (decimal comma in Norwegian). */
export function formatNumber(value: number, language: string, digits = 1): string {
  return new Intl.NumberFormat(localeOf(language), { maximumFractionDigits: digits }).format(value);
}
