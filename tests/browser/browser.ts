import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { spo2Observation, syntheticNationalId } from '@varde/testing';

const repoRoot = join(__dirname, '..', '..');
/**
 * Where the tests write their screenshots: `.data/screenshots` on every run, so a test run never changes tracked
 * files; with `UPDATE_SCREENSHOTS=1`, `docs/screenshots` (the ones the README shows), to refresh them on purpose.
 */
export const SCREENSHOTS = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(repoRoot, 'docs', 'screenshots') : join(repoRoot, '.data', 'screenshots');

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromium'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A page in a context of its own (axe needs one; each context is a separate user with their own tokens). */
export async function newPage(browser: Browser, options: BrowserContextOptions): Promise<Page> {
  const context = await browser.newContext(options);
  return context.newPage();
}

/** The platform's public base URL. */
export const baseUrl = (): string => inject('browserBaseUrl');

/** A development access token for API calls the test makes itself (setting the scene). */
export function token(role: 'clinician' | 'patient' | 'pathway-designer', patientId?: string): Promise<string> {
  return mintDevToken({ role, ...(patientId ? { patientId } : {}), issuer: inject('browserIssuer'), keysDir: inject('browserKeysDir') });
}

/** Calls the platform's API as `bearer`; answers the status and the parsed body. */
export async function api<T = unknown>(method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': path.startsWith('/fhir') ? 'application/fhir+json' : 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Enrols a new patient (on the COPD pathway unless told otherwise) with the dev clinician's team; answers their patient id. */
export async function enrolPatient(options: { pathway?: string; nationalId?: string; name?: { family: string; given?: string[] } } = {}): Promise<string> {
  const { status, body } = await api<{ patientId: string }>('POST', '/api/enrolments', await token('clinician'), {
    patient: { nationalId: options.nationalId ?? syntheticNationalId(), ...(options.name ? { name: options.name } : {}) },
    pathway: options.pathway ?? 'copd',
    careTeam: 'copd-care-team',
  });
  expect(status).toBe(201);
  return body.patientId;
}

/** Sends an SpO2 reading for the patient, as their device would. */
export async function sendSpo2(patientId: string, value: number, at: Date = new Date()): Promise<void> {
  const { status } = await api('POST', '/fhir/Observation', await token('patient', patientId), spo2Observation(patientId, value, at));
  expect(status).toBe(201);
}

/**
 * Opens `app` and signs in on the development issuer's page as `role` (a patient with their id), by keyboard
 * when `keyboard` is set; answers when the app shows its first screen.
 */
export async function signIn(page: Page, app: 'clinician' | 'patient', role: 'clinician' | 'patient' | 'guardian' | 'pathway-designer', options: { patientId?: string; keyboard?: boolean } = {}): Promise<void> {
  await page.goto(`${baseUrl()}/${app}/`);
  const button = page.getByRole('button', { name: /^(Logg inn|Sign in)$/ });
  if (options.keyboard) {
    await button.focus();
    await page.keyboard.press('Enter');
  } else {
    await button.click();
  }
  await page.waitForURL(/\/authorize/);
  await page.getByLabel({ patient: 'Patient (pasient)', guardian: 'Guardian (foresatt)', clinician: 'Clinician (kliniker)', 'pathway-designer': 'Pathway designer (forløpsdesigner)' }[role]).check();
  if (options.patientId) await page.getByLabel(/^Patient id/).fill(options.patientId);
  if (options.keyboard) {
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
  } else {
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForURL(new RegExp(`/${app}/`));
  await page.locator('#main').waitFor();
}

/**
 * Moves the focus with Tab (at most `limit` presses) until `target` has it, and fails when it never does: proof
 * that a keyboard user reaches it. Then presses `key` on it when given.
 */
export async function tabTo(page: Page, target: Locator, key?: string, limit = 60): Promise<void> {
  const handle = await target.elementHandle();
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((element) => element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement, handle)) {
      if (key) await page.keyboard.press(key);
      return;
    }
  }
  throw new Error(`${String(target)} was not reached with ${limit} presses of Tab`);
}

/** Asserts that axe finds no WCAG 2.1 A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Writes a screenshot of the page to {@link SCREENSHOTS}/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Shows `path` (app-relative, e.g. `patients/<id>`) in the signed-in app without reloading it, as its own links do:
 * a reload would sign the user out (the tokens live in memory only).
 */
export async function showScreen(page: Page, app: 'clinician' | 'patient', path: string): Promise<void> {
  await page.evaluate(
    ([url]) => {
      const w = globalThis as unknown as { history: { pushState: (s: null, t: string, u: string) => void }; dispatchEvent: (e: Event) => boolean };
      w.history.pushState(null, '', url!);
      w.dispatchEvent(new Event('varde:navigate'));
    },
    [`/${app}/${path}`],
  );
}
