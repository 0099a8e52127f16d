import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC instead of esbuild: NestJS needs decorator metadata, which esbuild does not emit.
const plugins = [swc.vite({ module: { type: 'es6' }, jsc: { target: 'es2022', transform: { decoratorMetadata: true, legacyDecorator: true, useDefineForClassFields: false } } })];

export default defineConfig({
  plugins,
  test: {
    projects: [
      {
        plugins,
        test: { name: 'unit', testTimeout: 30_000, include: ['apps/*/src/**/*.spec.ts', 'deploy/**/*.spec.ts', 'eslint-rules/**/*.spec.ts', 'libs/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts', 'services/*/test/**/*.spec.ts', 'libs/*/test/**/*.spec.ts', 'tests/access/**/*.spec.ts', 'tests/architecture/**/*.spec.ts'], exclude: ['**/*.int.spec.ts', '**/node_modules/**'] },
      },
      {
        plugins,
        test: {
          name: 'int',
          include: ['scripts/**/*.int.spec.ts', 'libs/*/src/**/*.int.spec.ts', 'libs/*/test/**/*.int.spec.ts', 'services/*/src/**/*.int.spec.ts', 'services/*/test/**/*.int.spec.ts', 'tests/access/**/*.int.spec.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        plugins,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.spec.ts', 'tests/fault/**/*.e2e.spec.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        plugins,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.browser.spec.ts'],
          // Installs Chromium when missing, builds the apps, starts the platform as npm start does.
          globalSetup: ['tests/browser/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
