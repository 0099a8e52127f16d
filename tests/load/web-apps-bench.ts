/**
 * `npm run bench:web-apps`: what a clinician waits for in a real browser (Debian's Chromium, as the browser tests)
 * against the whole platform started as `npm start` starts it, for a team of `BENCH_PATIENTS` (default 5 000):
 * - worklist, time to first rows: from opening the worklist screen until its first row is shown;
 * - worklist, time to update: from posting a low SpO2 for a green patient until the worklist shows them red
 *   (triage, the server-sent event, the worklist read again), without a reload;
 * - patient page: from opening a patient with 90 days of SpO2 readings (`BENCH_READINGS_PER_DAY`, default 4) until
 *   the plot shows with its threshold.
 * Each is measured `BENCH_REPEATS` times (default 5); the median and the slowest are printed. Not a test: nothing
 * fails on a figure.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import { mintDevToken } from '../../deploy/local/dev-issuer/mint-token';
import { buildWebApps } from '../../deploy/local/build-apps';
import { ensureChromium } from '../../scripts/install-chromium';
import { platformPortOffset, spo2Observation } from '@varde/testing';
import { enrolPatients, log, machineInfo, onShutdown, positiveEnv, runBenchmark, startBenchPlatform } from './bench-harness';

const repoRoot = join(__dirname, '..', '..');
const DAY = 86_400_000;

async function post(url: string, token: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

const spo2 = spo2Observation;

/** Milliseconds that `act` and then `until` take. */
async function timed(act: () => Promise<unknown>, until: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await act();
  await until();
  return performance.now() - started;
}

const summary = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)} ms, slowest ${Math.round(sorted[sorted.length - 1]!)} ms (n=${sorted.length})`;
};

runBenchmark(async () => {
  const patients = positiveEnv('BENCH_PATIENTS', 5000);
  const perDay = positiveEnv('BENCH_READINGS_PER_DAY', 4);
  const repeats = positiveEnv('BENCH_REPEATS', 5);
  const executablePath = ensureChromium(log);
  await buildWebApps();
  const dataDir = join(repoRoot, '.data', 'bench-web-apps');
  const platform = await startBenchPlatform(dataDir, { kafka: false, portOffset: platformPortOffset(820) });
  const keysDir = join(dataDir, 'dev-issuer');
  const clinician = await mintDevToken({ role: 'clinician', issuer: platform.issuer, keysDir, ttlSeconds: 4 * 3600 });
  const team = await enrolPatients(platform, clinician, patients, keysDir);
  // Triage registers each enrolment from its event: wait until the whole team is on the worklist (aggregates only).
  for (;;) {
    const figures = (await (await fetch(`${platform.baseUrl}/api/triage/figures`, { headers: { authorization: `Bearer ${clinician}` } })).json()) as { colourShare: Array<{ patients: number }> };
    const registered = figures.colourShare.reduce((sum, p) => sum + p.patients, 0);
    if (registered >= patients) break;
    log(`${registered} of ${patients} on the worklist …`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  // 90 days of SpO2 for the patient whose page is measured.
  const followed = team[0]!;
  const readings: Array<() => Promise<void>> = [];
  for (let day = 90; day > 0; day--) for (let i = 0; i < perDay; i++) readings.push(() => post(`${platform.baseUrl}/fhir/Observation`, followed.token, spo2(followed.patientId, 92 + ((day + i) % 6), new Date(Date.now() - day * DAY + i * 3_600_000))));
  log(`posting ${readings.length} SpO2 readings …`);
  await Promise.all(Array.from({ length: 8 }, async () => { for (let next = readings.shift(); next; next = readings.shift()) await next(); }));

  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  onShutdown(() => browser.close());
  const page: Page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-GB' })).newPage();
  await page.goto(`${platform.baseUrl}/clinician/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Clinician (kliniker)').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  const firstRow = page.locator('[data-testid=worklist] tbody tr').first();
  await firstRow.waitFor({ timeout: 120_000 });

  const firstRows: number[] = [];
  const updates: number[] = [];
  const patientPages: number[] = [];
  for (let i = 0; i < repeats; i++) {
    await page.getByRole('link', { name: 'Enrol a patient' }).click();
    await page.getByRole('heading', { level: 1, name: 'Enrol a patient' }).waitFor();
    firstRows.push(await timed(() => page.getByRole('link', { name: 'Worklist' }).click(), () => firstRow.waitFor()));

    const target = team[team.length - 1 - i]!;
    await page.waitForFunction(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.includes('Updates by itself'));
    updates.push(
      await timed(
        () => post(`${platform.baseUrl}/fhir/Observation`, target.token, spo2(target.patientId, 80 + i, new Date())),
        // Red comes first (oldest red first): the patient's row turns red on the first page.
        () => page.locator(`[data-testid=worklist] tr[data-patient="${target.patientId}"] [data-colour=red]`).waitFor({ timeout: 60_000 }),
      ),
    );

    await page.evaluate((path) => {
      const w = globalThis as unknown as { history: { pushState: (s: null, t: string, u: string) => void }; dispatchEvent: (e: Event) => boolean };
      w.history.pushState(null, '', path);
      w.dispatchEvent(new Event('varde:navigate'));
    }, `/clinician/enrol`);
    await page.getByRole('heading', { level: 1, name: 'Enrol a patient' }).waitFor();
    patientPages.push(
      await timed(
        () =>
          page.evaluate((path) => {
            const w = globalThis as unknown as { history: { pushState: (s: null, t: string, u: string) => void }; dispatchEvent: (e: Event) => boolean };
            w.history.pushState(null, '', path);
            w.dispatchEvent(new Event('varde:navigate'));
          }, `/clinician/patients/${followed.patientId}`),
        () => page.getByTestId('spo2-plot').locator('figcaption', { hasText: 'Threshold 90 %' }).waitFor({ timeout: 60_000 }),
      ),
    );
  }
  const machine = machineInfo();
  console.log(`web apps, ${patients} patients on the team, ${90 * perDay} SpO2 readings over 90 days; ${machine.cpus} CPUs, load ${machine.loadAverageAtStart} at start`);
  console.log(`worklist, time to first rows: ${summary(firstRows)}`);
  console.log(`worklist, time to update after a change: ${summary(updates)}`);
  console.log(`patient page with 90 days of SpO2, time to the plot with its threshold: ${summary(patientPages)}`);
});
