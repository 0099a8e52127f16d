export * from './api';
export * from './app-shell';
export * from './auth';
export * from './chart';
export * from './i18n';
export * from './language-switch';
export * from './route';
export * from './start-app';
