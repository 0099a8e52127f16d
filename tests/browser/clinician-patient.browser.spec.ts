import type { Browser } from 'playwright-core';
import { eventually } from '@varde/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, enrolPatient, expectAccessible, launchChromium, newPage, screenshot, sendSpo2, showScreen, signIn, tabTo, token } from './browser';

const CAT_ITEMS = ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'];

/**
 * The patient answers the CAT (each item 3: a score of 24) as their app would: once forms has assigned it, which it
 * does when the enrolment event reaches it (a response to a form not assigned is refused with 409).
 */
async function answerCat(patientId: string): Promise<void> {
  const patient = await token('patient', patientId);
  await eventually(async () => {
    const { status, body } = await api<{ assignments?: { questionnaireUrl: string; status: string }[] }>('GET', `/api/patients/${patientId}/form-assignments`, patient);
    return status === 200 && body.assignments?.some((a) => a.questionnaireUrl === 'https://varde.no/fhir/Questionnaire/cat' && a.status === 'open') ? true : undefined;
  }, 'the CAT to be assigned from the enrolment');
  const { status } = await api('POST', '/fhir/QuestionnaireResponse', patient, {
    resourceType: 'QuestionnaireResponse',
    questionnaire: 'https://varde.no/fhir/Questionnaire/cat|1',
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    authored: new Date().toISOString(),
    item: CAT_ITEMS.map((linkId) => ({ linkId, answer: [{ valueInteger: 3 }] })),
  });
  expect(status).toBe(201);
}

/**
 * The clinician's patient page beyond the alert (in English): the patient's own SpO2 threshold with its reason
 * (drawn in the plot, the patient re-assessed), form responses with their scores, "verify" on a triage decision,
 * and the enrolment's course — pause, resume, change pathway, discharge — and a pause by keyboard alone; the patient's
 * name corrected by keyboard alone and erased (in bokmål).
 */
describe('clinician patient page', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('plots every vital sign measured, SpO2 from both codes in one plot, and a continuous SpO2 stream as hourly lowest and mean', async () => {
    const patientId = await enrolPatient();
    const own = await token('patient', patientId);
    const quantity = (code: string, value: number, unit: string, minutesAgo: number) => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    });
    for (const [code, value, unit, ago] of [['8867-4', 72, '/min', 90], ['8867-4', 78, '/min', 30], ['29463-7', 81.5, 'kg', 60], ['59408-5', 94, '%', 45]] as const) {
      expect((await api('POST', '/fhir/Observation', own, quantity(code, value, unit, ago))).status).toBe(201);
    }
    await sendSpo2(patientId, 96, new Date(Date.now() - 20 * 60_000));
    // Ten minutes of a pulse oximeter at 1 Hz, two hours ago: 600 samples, the lowest 91 % near the end.
    const samples = Array.from({ length: 600 }, (_, i) => (i === 590 ? 91 : 95 + (i % 3)));
    const stream = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '59408-5' }] }, subject: { reference: `Patient/${patientId}` }, effectivePeriod: { start: new Date(Date.now() - 2 * 3_600_000).toISOString() }, valueSampledData: { origin: { value: 0, system: 'http://unitsofmeasure.org', code: '%' }, period: 1000, dimensions: 1, data: samples.join(' ') } };
    expect((await api('POST', '/fhir/Observation', own, stream)).status).toBe(201);

    const page = await newPage(browser, { viewport: { width: 1280, height: 1600 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await showScreen(page, 'clinician', `patients/${patientId}`);
    const table = async (testId: string) => {
      const plot = page.getByTestId(testId);
      await plot.waitFor({ timeout: 20_000 });
      await plot.locator('summary').click();
      return plot.locator('details table').innerText();
    };
    // The table lists the newest first.
    expect(await table('pulse-plot')).toMatch(/78[\s\S]*72/);
    expect(await table('weight-plot')).toContain('81.5');
    // SpO2 by pulse oximetry (59408-5) and arterial (2708-6) in one plot, in time order.
    expect(await table('spo2-plot')).toMatch(/96[\s\S]*94/);
    const streamed = await table('spo2-stream-plot');
    expect(streamed).toContain('91');
    // Zoomed in on the latest hour of the stream: its samples as recorded (the table lists the latest 50), the 91 % among them.
    await page.getByTestId('stream-hour').selectOption({ index: 1 });
    const zoomed = await table('spo2-samples-plot');
    const rows = zoomed.split('\n').filter((line) => /\t9\d$/.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(50);
    expect(zoomed).toMatch(/\t91$/m);
    expect(await page.getByTestId('bp-plot').count()).toBe(0);
    await expectAccessible(page);
    await screenshot(page, 'clinician-patient-vital-signs');
  });

  it('sets the patient’s own threshold with a reason, shows the CAT score, verifies a decision and runs the enrolment’s course', async () => {
    const patientId = await enrolPatient();
    await sendSpo2(patientId, 89);
    await answerCat(patientId);
    const page = await newPage(browser, { viewport: { width: 1280, height: 1600 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await showScreen(page, 'clinician', `patients/${patientId}`);
    const status = page.locator('section[aria-labelledby=status-heading]');
    await expect.poll(() => status.locator('[data-colour]').getAttribute('data-colour'), { timeout: 20_000 }).toBe('red');

    // The CAT's score, computed by forms, on the page.
    await expect.poll(() => page.getByTestId('form-responses').innerText(), { timeout: 20_000 }).toContain('CAT 24');

    // Verify re-runs the decision behind the red.
    await page.locator('section[aria-labelledby=history-heading]').getByRole('button', { name: 'Verify' }).first().click();
    await page.getByText('Same outcome when re-run').first().waitFor();

    // The patient's own SpO2 threshold: 88 % from their baseline; 89 % is no longer below it.
    const thresholds = page.getByTestId('thresholds');
    await thresholds.getByRole('combobox', { name: /^Rule/ }).selectOption('spo2-low/threshold');
    await thresholds.getByRole('textbox', { name: "The patient's value" }).fill('88');
    await thresholds.getByLabel('Reason (clinical)').fill('Baseline SpO2 89 % when stable (COPD GOLD 4)');
    await thresholds.getByRole('button', { name: "Set the patient's value" }).click();
    await expect.poll(() => thresholds.locator('[data-rule=spo2-low]').innerText(), { timeout: 10_000 }).toContain('Baseline SpO2 89 % when stable');
    await expect.poll(() => status.locator('[data-colour]').getAttribute('data-colour'), { timeout: 20_000 }).not.toBe('red');
    await page.getByTestId('spo2-plot').locator('figcaption', { hasText: 'Threshold 88 %' }).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'clinician-patient-page');

    // The enrolment's course, each change shown as pathways answers it.
    const enrolment = page.getByTestId('enrolment');
    const state = enrolment.getByTestId('enrolment-status');
    await enrolment.getByLabel('Reason', { exact: true }).fill('Admitted to hospital');
    await enrolment.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => state.innerText()).toContain('Paused');
    expect(await state.innerText()).toContain('paused: Admitted to hospital');
    // Beside the colour too, so the colour is not read as current.
    expect(await status.getByTestId('paused').innerText()).toBe('Follow-up paused');
    await enrolment.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => state.innerText()).toMatch(/^Active/);
    // The badge beside the colour follows the panel's state one render later: wait for it, not for a moment.
    await expect.poll(() => status.getByTestId('paused').count()).toBe(0);
    await enrolment.getByLabel('Pathway').selectOption('heart-failure');
    await enrolment.getByLabel('Reason', { exact: true }).fill('Heart failure is now the main problem');
    await enrolment.getByRole('button', { name: 'Change pathway' }).click();
    await expect.poll(() => state.innerText()).toContain('Hjertesvikt');
    await enrolment.getByLabel('Discharge reason').selectOption('completed');
    await enrolment.getByRole('button', { name: 'Discharge' }).click();
    await expect.poll(() => state.innerText()).toContain('Discharged');
    const view = await api<{ status: string; pathwayId: string; discharge: { reason: string } }>('GET', `/api/enrolments/${patientId}`, await token('clinician'));
    expect(view.body).toMatchObject({ status: 'discharged', pathwayId: 'heart-failure', discharge: { reason: 'completed' } });
    await expectAccessible(page);
  });

  it("shows the care team who has read the patient's data, and the patient sees that the team looked at their log", async () => {
    const patientId = await enrolPatient();
    await sendSpo2(patientId, 95);
    const page = await newPage(browser, { viewport: { width: 1280, height: 1600 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician');
    await showScreen(page, 'clinician', `patients/${patientId}`);
    // The page's own reads (measurements, triage …) are in the log it shows: wait for them, the log is written before each answer.
    const log = page.getByTestId('access-log');
    await expect.poll(() => log.locator('tr[data-role=clinician]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await log.locator('thead').innerText()).toMatch(/When\s+Who\s+What\s+Purpose/);
    await expectAccessible(page);
    await screenshot(page, 'clinician-patient-access-log');

    // The patient's own view of their log names the care team's read of it (purpose access-log).
    const patient = await token('patient', patientId);
    await expect
      .poll(async () => (await api<{ entries: Array<{ actor: { role: string }; purpose: string }> }>('GET', `/api/patients/${patientId}/access-log`, patient)).body.entries.some((e) => e.actor.role === 'clinician' && e.purpose === 'access-log'), { timeout: 20_000 })
      .toBe(true);
  });

  it('corrects the patient’s name by keyboard alone, and erases it (in bokmål) when the patient asks', async () => {
    const patientId = await enrolPatient({ name: { family: 'Østbye', given: ['Åse'] } });
    const page = await newPage(browser, { viewport: { width: 1280, height: 1200 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician', { keyboard: true });
    await showScreen(page, 'clinician', `patients/${patientId}`);
    const panel = page.getByTestId('patient-name');
    const value = panel.getByTestId('patient-name-value');
    await expect.poll(() => value.innerText(), { timeout: 20_000 }).toBe('Åse Østbye');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('Åse Østbye');

    await tabTo(page, panel.getByRole('button', { name: 'Correct the name' }), 'Enter');
    const given = panel.getByRole('textbox', { name: 'Given name(s)' });
    const family = panel.getByRole('textbox', { name: 'Family name' });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { value?: string } } }).document.activeElement.value)).toBe('Åse');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Åse Marie');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Backspace');
    // Without a family name nothing is sent: the field says why.
    await page.keyboard.press('Enter');
    await expect.poll(() => family.getAttribute('aria-invalid')).toBe('true');
    expect(await panel.locator('#name-family-hint').innerText()).toBe('The family name is needed to keep a name.');
    await expectAccessible(page);
    await page.keyboard.type('Østby');
    await page.keyboard.press('Enter');
    await expect.poll(() => value.innerText(), { timeout: 10_000 }).toBe('Åse Marie Østby');
    expect(await given.count()).toBe(0);
    expect(await panel.getByRole('status').innerText()).toBe('The name is corrected.');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toContain('Åse Marie Østby');
    const clinician = await token('clinician');
    expect((await api<{ name?: unknown }>('GET', `/api/enrolments/${patientId}`, clinician)).body.name).toEqual({ family: 'Østby', given: ['Åse', 'Marie'] });

    // The patient asks for their name to be erased: in bokmål, with a confirmation first.
    const nb = await newPage(browser, { viewport: { width: 1280, height: 1200 }, locale: 'nb-NO' });
    await signIn(nb, 'clinician', 'clinician');
    await showScreen(nb, 'clinician', `patients/${patientId}`);
    const nbPanel = nb.getByTestId('patient-name');
    await expect.poll(() => nbPanel.getByTestId('patient-name-value').innerText(), { timeout: 20_000 }).toBe('Åse Marie Østby');
    await nbPanel.getByRole('button', { name: 'Slett navnet' }).click();
    await nbPanel.getByText('Slette navnet for godt?').waitFor();
    await expectAccessible(nb);
    await screenshot(nb, 'clinician-patient-name-erase');
    await nbPanel.getByRole('button', { name: 'Ja, slett navnet' }).click();
    await expect.poll(() => nbPanel.getByTestId('patient-name-value').innerText(), { timeout: 10_000 }).toBe('Ingen navn er lagret: pasienten vises med nummer.');
    expect(await nb.getByRole('heading', { level: 1 }).innerText()).not.toContain('Østby');
    expect((await api<{ name?: unknown }>('GET', `/api/enrolments/${patientId}`, clinician)).body).not.toHaveProperty('name');
    // Both in the patient's access log, for the patient to see.
    const patient = await token('patient', patientId);
    await expect
      .poll(async () => (await api<{ entries: Array<{ purpose: string }> }>('GET', `/api/patients/${patientId}/access-log`, patient)).body.entries.map((e) => e.purpose).filter((p) => p.startsWith('patient-name-')).sort(), { timeout: 20_000 })
      .toEqual(['patient-name-correction', 'patient-name-erasure']);
  });

  it('pauses an enrolment by keyboard alone', async () => {
    const patientId = await enrolPatient();
    const page = await newPage(browser, { viewport: { width: 1280, height: 1200 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'clinician', { keyboard: true });
    await showScreen(page, 'clinician', `patients/${patientId}`);
    const enrolment = page.getByTestId('enrolment');
    const reason = enrolment.getByLabel('Reason', { exact: true });
    await reason.waitFor({ timeout: 20_000 });
    await tabTo(page, reason);
    await page.keyboard.type('On holiday abroad');
    await tabTo(page, enrolment.getByRole('button', { name: 'Pause' }), 'Enter');
    await expect.poll(() => enrolment.getByTestId('enrolment-status').innerText(), { timeout: 10_000 }).toContain('Paused');
  });
});
