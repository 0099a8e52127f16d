import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { platformPortOffset } from '@varde/testing';
import { buildWebApps } from '../../deploy/local/build-apps';
import { startPlatform } from '../../deploy/local/platform';
import { ensureChromium } from '../../scripts/install-chromium';

declare module 'vitest' {
  export interface ProvidedContext {
    browserBaseUrl: string;
    browserIssuer: string;
    browserKeysDir: string;
    chromium: string;
  }
}

const repoRoot = join(__dirname, '..', '..');

/**
 * Once per run: Chromium (installed from Debian when missing), the apps built, and the whole platform started
 * as `npm start` starts it (embedded PostgreSQL, no Kafka) in a data folder of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const chromium = ensureChromium();
  await buildWebApps();
  const dataDir = join(repoRoot, '.data', 'test', `browser-${process.pid}`);
  await rm(dataDir, { recursive: true, force: true });
  const platform = await startPlatform({ dataDir, portOffset: platformPortOffset(800), log: () => undefined });
  project.provide('browserBaseUrl', platform.baseUrl);
  project.provide('browserIssuer', platform.issuer);
  project.provide('browserKeysDir', join(dataDir, 'dev-issuer'));
  project.provide('chromium', chromium);
  return async () => {
    await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
