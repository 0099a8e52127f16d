import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticNationalId } from '@varde/testing';
import { api, expectAccessible, launchChromium, newPage, screenshot, signIn, tabTo, token } from './browser';

/**
 * Enrol a patient, in English and by keyboard alone: the national id is checked as it is typed (a wrong check digit
 * is caught before anything is sent), then pathway and team, and the new patient opens from the confirmation.
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
});
