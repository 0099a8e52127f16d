import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolPatient, expectAccessible, launchChromium, newPage, screenshot, sendSpo2, signIn, tabTo } from './browser';

/**
 * The clinician's journey in a real browser against the platform started as `npm start` starts it: sign in, see
 * the red patient first, open them, see the SpO2 plot with the threshold, acknowledge the alert — and a worklist
 * open in another tab updates by itself, without a reload.
 */
describe('clinician app', () => {
  let browser: Browser;
  let red: string;

  beforeAll(async () => {
    browser = await launchChromium();
    await enrolPatient(); // a green patient, to be listed after the red one
    red = await enrolPatient();
    await sendSpo2(red, 93, new Date(Date.now() - 2 * 86_400_000));
    await sendSpo2(red, 88);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the red patient first, their SpO2 with its threshold, and an acknowledgement reaches the worklist without a reload', async () => {
    const worklist = await newPage(browser, { viewport: { width: 1280, height: 900 }, locale: 'nb-NO' });
    await signIn(worklist, 'clinician', 'clinician');
    // Red first: every row above the red patient's is red too (other browser tests leave red patients of their own,
    // who have waited longer and so come before this one), and the first green one comes after it.
    const rows = worklist.locator('[data-testid=worklist] tbody tr');
    const firstRow = worklist.locator(`[data-testid=worklist] tbody tr[data-patient="${red}"]`);
    await expect.poll(() => firstRow.count(), { timeout: 20_000 }).toBe(1);
    const order = await rows.evaluateAll((trs) => trs.map((tr) => ({ patient: tr.getAttribute('data-patient'), red: tr.querySelector('[data-colour=red]') !== null })));
    const at = order.findIndex((r) => r.patient === red);
    expect(order.slice(0, at + 1).every((r) => r.red)).toBe(true);
    // Red is said in words and with its own icon, not by colour alone.
    await expect.poll(() => firstRow.locator('[data-colour=red]').innerText()).toBe('Rød');
    expect(await firstRow.locator('[data-colour=red] svg').count()).toBe(1);
    expect(await firstRow.innerText()).toContain('SpO2 88 % is below 90 %');
    expect(await firstRow.getByTestId('open-alert').innerText()).toBe('Åpent');
    await expectAccessible(worklist);
    await screenshot(worklist, 'clinician-worklist');
    // A marker that a reload would wipe out.
    await worklist.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

    const patient = await newPage(browser, { viewport: { width: 1280, height: 1400 }, locale: 'nb-NO' });
    await signIn(patient, 'clinician', 'clinician');
    await patient.locator(`[data-patient="${red}"] a`).click();
    const plot = patient.getByTestId('spo2-plot');
    await plot.waitFor();
    // The threshold arrives after the plot's first paint: wait for it to be drawn in, not for the first caption.
    await plot.locator('figcaption', { hasText: 'Terskel 90 %' }).waitFor();
    expect(await plot.locator('canvas').count()).toBe(1);
    await expectAccessible(patient);
    await screenshot(patient, 'clinician-patient');

    await patient.getByRole('button', { name: 'Kvitter' }).click();
    await expect.poll(() => patient.getByTestId('alert-status').first().innerText(), { timeout: 10_000 }).toBe('Kvittert');

    await expect.poll(() => firstRow.getByTestId('open-alert').innerText(), { timeout: 10_000 }).toBe('Kvittert');
    expect(await worklist.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });

  it('the same journey by keyboard alone: sign in, open the red patient, acknowledge', async () => {
    const keyboardRed = await enrolPatient();
    await sendSpo2(keyboardRed, 87);
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'nb-NO' });
    await signIn(page, 'clinician', 'clinician', { keyboard: true });
    const link = page.locator(`[data-patient="${keyboardRed}"] a`);
    await link.waitFor({ timeout: 20_000 });
    await tabTo(page, link, 'Enter');
    const acknowledge = page.getByRole('button', { name: 'Kvitter' });
    await acknowledge.waitFor();
    await tabTo(page, acknowledge, 'Enter');
    await expect.poll(() => page.getByTestId('alert-status').first().innerText(), { timeout: 10_000 }).toBe('Kvittert');
  });
});

