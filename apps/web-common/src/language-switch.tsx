import { useTranslation } from 'react-i18next';

/** Switches between bokmål and English; the button names the other language in that language. */
export function LanguageSwitch() {
  const { i18n } = useTranslation();
  const other = i18n.language === 'en' ? 'nb' : 'en';
  return (
    <button type="button" className="link-button" lang={other} onClick={() => void i18n.changeLanguage(other)}>
      {other === 'en' ? 'English' : 'Norsk (bokmål)'}
    </button>
  );
}
