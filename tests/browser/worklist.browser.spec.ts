import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, syntheticNationalId } from '@varde/testing';
import { api, enrolPatient, expectAccessible, launchChromium, newPage, screenshot, sendSpo2, signIn, tabTo, token } from './browser';

type Alert = { id: string };

/**
 * The worklist of a team bigger than a page: filters by colour, pathway and "assigned to me", search by national id
 * (shown masked), and paging on — in English, and by keyboard alone.
 */
describe('clinician worklist: filters, search, paging', () => {
  let browser: Browser;
  let red: string;
  let heartFailure: string;
  let redNationalId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // More patients than a page (50) on the team, whatever the other test files enrolled.
    for (let i = 0; i < 52; i++) await enrolPatient();
    redNationalId = syntheticNationalId();
    red = await enrolPatient({ nationalId: redNationalId });
    await sendSpo2(red, 86);
    heartFailure = await enrolPatient({ pathway: 'heart-failure' });
    // The red patient's alert, assigned to the signed-in clinician (the dev issuer's clinician is `dev-clinician`).
    const clinician = await token('clinician');
    const alert = await eventually(async () => (await api<{ alerts: Alert[] }>('GET', `/api/alerts?patient=${red}`, clinician)).body.alerts[0], 'the red patient’s alert');
    expect((await api('POST', `/api/alerts/${alert.id}/assign`, clinician, { assignee: 'dev-clinician' })).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
  });

  const rows = (page: Page) => page.locator('[data-testid=worklist] tbody tr');
  const patientsShown = (page: Page) => rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-patient')));

  it('filters by colour, pathway and assigned to me, finds a patient by national id shown masked, and pages on', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBe(50);

    // Paging: the next page follows on, with no patient twice.
    await page.getByRole('button', { name: 'Show more' }).click();
    await expect.poll(() => rows(page).count()).toBeGreaterThan(50);
    const all = await patientsShown(page);
    expect(new Set(all).size).toBe(all.length);

    await page.getByLabel('Colour').selectOption('red');
    // The unfiltered rows already held the red patient: wait for the filtered answer (red rows only) before looking.
    await expect.poll(async () => new Set(await rows(page).locator('[data-colour]').evaluateAll((badges) => badges.map((b) => b.getAttribute('data-colour'))))).toEqual(new Set(['red']));
    expect(await patientsShown(page)).toContain(red);
    await page.getByLabel('Colour').selectOption('');

    await page.getByLabel('Pathway').selectOption('heart-failure');
    await expect.poll(() => patientsShown(page)).toEqual([heartFailure]);
    expect(await rows(page).first().innerText()).toContain('Hjertesvikt');
    await page.getByLabel('Pathway').selectOption('');

    await page.getByLabel('Only alerts assigned to me').check();
    await expect.poll(() => patientsShown(page)).toEqual([red]);
    await page.getByLabel('Only alerts assigned to me').uncheck();

    // A mistyped national id is caught as it is typed; the right one finds the patient, the number masked.
    const search = page.getByLabel('Search by name, national id or patient number');
    await search.fill(`${redNationalId.slice(0, 10)}${(Number(redNationalId[10]) + 1) % 10}`);
    await expect.poll(() => page.locator('#search-hint').innerText()).toBe('Not a valid national identity number: check the digits.');
    await search.fill(redNationalId);
    const result = page.getByTestId('search-result');
    await expect.poll(() => result.innerText(), { timeout: 10_000 }).toContain(`${redNationalId.slice(0, 6)} *****`);
    expect(await result.innerText()).not.toContain(redNationalId);
    await expectAccessible(page);
    await screenshot(page, 'clinician-worklist-search');
    await result.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: `Patient ${red.slice(0, 8)}` }).waitFor();
  });

  it('the same by keyboard alone: filter to red, search by national id and open the patient', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician', { keyboard: true });
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const colour = page.getByLabel('Colour');
    await tabTo(page, colour);
    await page.keyboard.press('ArrowDown'); // "All colours" → "Red"
    await expect.poll(() => colour.inputValue()).toBe('red');
    await expect.poll(() => patientsShown(page)).toContain(red);
    const search = page.getByLabel('Search by name, national id or patient number');
    await tabTo(page, search);
    await page.keyboard.type(redNationalId);
    const link = page.getByTestId('search-result').getByRole('link');
    await link.waitFor({ timeout: 10_000 });
    await tabTo(page, link, 'Enter');
    await page.getByRole('heading', { level: 1, name: `Patient ${red.slice(0, 8)}` }).waitFor();
  });

  it('shows a patient who turned red before its live connection opened, once it opens: no change falls between the read and the subscription', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    // Hold the worklist's event stream, as a slow network or a reconnection would, until the change has been made.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/worklist/events', async (route) => {
      await held;
      await route.continue();
    });
    await signIn(page, 'clinician', 'clinician');
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const late = await enrolPatient();
    await sendSpo2(late, 86);
    const clinician = await token('clinician');
    await eventually(async () => (await api<{ entries: { patientId: string }[] }>('GET', '/api/worklist?colour=red&limit=1000', clinician)).body.entries.some((e) => e.patientId === late) || undefined, 'the new red patient on the worklist');
    const row = page.locator(`[data-testid=worklist] tbody tr[data-patient="${late}"]`);
    expect(await row.count()).toBe(0);
    release();
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-colour=red]').count()).toBe(1);
  });

  it('shows the latest read only: an earlier read that answers late does not put back the rows of another filter', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBeGreaterThan(1);
    // Hold the next worklist read, as a slow answer would be, until a later read has answered.
    let holdNext = false;
    let requested!: () => void;
    const heldRequest = new Promise<void>((resolve) => (requested = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(
      (url) => url.pathname === '/api/worklist',
      async (route) => {
        if (!holdNext) return route.continue();
        holdNext = false;
        requested();
        await held;
        await route.continue();
      },
    );
    holdNext = true;
    await page.getByLabel('Pathway').selectOption('heart-failure');
    await heldRequest;
    await page.getByLabel('Pathway').selectOption('');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(1);
    const late = page.waitForResponse((response) => new URL(response.url()).searchParams.get('pathway') === 'heart-failure');
    release();
    await (await late).finished();
    // The page has had the late answer: let it render whatever it does with it.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    expect(await rows(page).count()).toBeGreaterThan(1);
    expect(await page.getByLabel('Pathway').inputValue()).toBe('');
  });

  it('shows a paused follow-up as paused (a label and an icon), updated without a reload', async () => {
    const paused = await enrolPatient();
    await sendSpo2(paused, 86);
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await page.getByLabel('Colour').selectOption('red');
    const row = page.locator(`[data-testid=worklist] tbody tr[data-patient="${paused}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getByTestId('paused').count()).toBe(0);
    expect((await api('POST', `/api/enrolments/${paused}/pause`, await token('clinician'), { reason: 'Admitted to hospital' })).status).toBe(200);
    await row.getByTestId('paused').waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('paused').innerText()).toBe('Follow-up paused');
    expect(await row.getByTestId('paused').locator('svg').count()).toBe(1);
    await expectAccessible(page);
  });
});
