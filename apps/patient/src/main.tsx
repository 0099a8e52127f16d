import { startApp } from '@varde/web-common';
import { App } from './app';
import en from './locales/en.json';
import nb from './locales/nb.json';
import 'normalize.css';
import './fonts.css';
import './styles.css';

startApp({ nb: { translation: nb }, en: { translation: en } }, 'app.title', <App />);
