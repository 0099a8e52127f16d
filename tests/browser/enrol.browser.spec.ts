import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticNationalId } from '@varde/testing';
import { api, expectAccessible, launchChromium, newPage, screenshot, sendSpo2, signIn, tabTo, token } from './browser';

/**
 * Enrol a patient, in English and by keyboard alone: the national id is checked as it is typed (a wrong check digit
 * is caught before anything is sent), then pathway and team, and the new patient opens from the confirmation; with a
 * name, the patient is found by it in the worklist search and shown by it on the worklist and their page.
 */
describe('clinician enrols a patient', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('checks the national id as it is typed and enrols on the chosen pathway, by keyboard alone', async () => {
    const nationalId = syntheticNationalId();
    const page = await newPage(browser, { viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician', { keyboard: true });
    await tabTo(page, page.getByRole('link', { name: 'Enrol a patient' }), 'Enter');

    const field = page.getByLabel('National identity number (11 digits)');
    await tabTo(page, field);
    const wrong = `${nationalId.slice(0, 10)}${(Number(nationalId[10]) + 1) % 10}`;
    await page.keyboard.type(wrong);
    await expect.poll(() => page.locator('#nid-hint').innerText()).toBe('The national identity number is not valid: check the digits.');
    const submit = page.getByRole('button', { name: 'Enrol', exact: true });
    expect(await submit.isDisabled()).toBe(true);
    await page.keyboard.press('Backspace');
    await page.keyboard.type(nationalId[10]!);
    await expect.poll(() => page.locator('#nid-hint').innerText()).toBe('Valid national identity number');

    const pathway = page.getByLabel('Pathway');
    await expect.poll(() => pathway.locator('option').allInnerTexts()).toContain('Hjertesvikt — digital hjemmeoppfølging');
    await tabTo(page, pathway);
    // The pathways are sorted by title: heart failure ("Hjertesvikt") comes before COPD ("KOLS").
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => pathway.inputValue()).toBe('heart-failure');
    await expectAccessible(page);
    await screenshot(page, 'clinician-enrol');
    await tabTo(page, submit, 'Enter');

    const open = page.getByRole('status').getByRole('link', { name: 'Open the patient' });
    await open.waitFor({ timeout: 10_000 });
    const href = await open.getAttribute('href');
    const patientId = /patients\/([0-9a-f-]{36})$/.exec(href ?? '')?.[1];
    expect(href).toMatch(/patients\/[0-9a-f-]{36}$/);
    expect((await api('GET', `/api/enrolments/${patientId}`, await token('clinician'))).body).toMatchObject({ status: 'active', pathwayId: 'heart-failure', careTeamId: 'copd-care-team' });
    await tabTo(page, open, 'Enter');
    await page.getByRole('heading', { level: 1, name: `Patient ${patientId!.slice(0, 8)}` }).waitFor();
  });

  it('enrols a patient with a name and finds them by part of it in the worklist search, shown by name there and on their page', async () => {
    // Letters no other patient's name holds, so the search finds this patient alone.
    const letters = Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join('');
    const family = `Østby${letters}`;
    const nationalId = syntheticNationalId();
    const page = await newPage(browser, { viewport: { width: 1280, height: 1000 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await page.getByRole('link', { name: 'Enrol a patient' }).click();
    await page.getByLabel('National identity number (11 digits)').fill(nationalId);
    await page.getByLabel('Given name(s)').fill('Åse Marie');
    // Given names without a family name are not sent: the form says why.
    await expect.poll(() => page.locator('#name-hint').innerText()).toBe('Give the family name too, or leave both empty.');
    expect(await page.getByRole('button', { name: 'Enrol', exact: true }).isDisabled()).toBe(true);
    await page.getByLabel('Family name').fill(family);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Enrol', exact: true }).click();
    const open = page.getByRole('status').getByRole('link', { name: 'Open the patient' });
    await open.waitFor({ timeout: 10_000 });
    const patientId = /patients\/([0-9a-f-]{36})$/.exec((await open.getAttribute('href')) ?? '')![1]!;
    // Red, so the patient is on the worklist's first page.
    await sendSpo2(patientId, 86);

    await page.getByRole('link', { name: 'Worklist' }).click();
    const row = page.locator(`[data-testid=worklist] tbody tr[data-patient="${patientId}"]`);
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => row.getByRole('link').innerText(), { timeout: 10_000 }).toBe(`Åse Marie ${family}`);

    // Part of the family name, in capitals: found, with the national id masked.
    await page.getByLabel('Search by name, national id or patient number').fill(`ØSTBY${letters.slice(0, 4).toUpperCase()}`);
    const result = page.getByTestId('search-result');
    await expect.poll(() => result.innerText(), { timeout: 10_000 }).toContain(`Åse Marie ${family}, ${nationalId.slice(0, 6)} *****`);
    expect(await result.getByRole('heading').innerText()).toBe('Found by name');
    // The rows shown narrow to the name too.
    await expect.poll(() => page.locator('[data-testid=worklist] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-patient')))).toEqual([patientId]);
    await expectAccessible(page);
    await screenshot(page, 'clinician-worklist-search-name');
    await result.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: `Åse Marie ${family} (patient ${patientId.slice(0, 8)})` }).waitFor();
  });
});
