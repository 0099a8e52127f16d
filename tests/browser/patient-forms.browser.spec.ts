import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, enrolPatient, expectAccessible, launchChromium, newPage, screenshot, signIn, tabTo, token } from './browser';

const PHQ9 = 'https://varde.no/fhir/Questionnaire/phq-9|1';
const PRE_VISIT = 'https://varde.no/fhir/Questionnaire/pre-visit|1';

/** A clinician gives the patient a form to answer, as the clinician app does. */
async function assign(patientId: string, questionnaire: string): Promise<void> {
  expect((await api('POST', `/api/patients/${patientId}/form-assignments`, await token('clinician'), { questionnaire })).status).toBe(201);
}

/** A body weight reading of the patient, as their scales post it. */
async function sendWeight(patientId: string, kg: number): Promise<void> {
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value: kg, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  };
  expect((await api('POST', '/fhir/Observation', await token('patient', patientId), observation)).status).toBe(201);
}

const phone = { viewport: { width: 360, height: 780 } };

/** Opens the form with this title from the list of the patient's forms. */
async function openForm(page: Page, menu: string, title: string): Promise<void> {
  await page.getByRole('link', { name: menu, exact: true }).click();
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** The PHQ-9's nine questions answered "Several days" (1 point each) except the last two, "Nearly every day" (3 each). */
async function answerPhq9(page: Page): Promise<void> {
  for (let i = 1; i <= 9; i++) await page.locator(`[data-link-id="phq9-${i}"]`).getByLabel(i <= 7 ? 'Several days' : 'Nearly every day', { exact: true }).check();
}

/**
 * Any questionnaire forms serves, answered in the patient app in a real browser against the platform as `npm start`
 * starts it: the PHQ-9 (choices with scores) and the pre-visit form (groups, quantities with units, a pre-filled
 * weight to confirm, a conditional question, a calculated BMI), forms' refusals shown at the item, drafts saved in
 * Varde and resumed on another device, and kept on the device when Varde does not answer.
 */
describe('patient app: forms', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a patient answers the PHQ-9 and the pre-visit form (a conditional question, a pre-filled weight to confirm) and sees the scores', async () => {
    const patientId = await enrolPatient();
    await assign(patientId, PHQ9);
    await assign(patientId, PRE_VISIT);
    await sendWeight(patientId, 81);
    // forms learns the weight from the measurement's event: the pre-fill is ready once it has.
    await expect
      .poll(async () => JSON.stringify((await api('GET', `/fhir/Questionnaire/pre-visit/$populate?subject=Patient/${patientId}`, await token('patient', patientId))).body), { timeout: 20_000 })
      .toContain('"value":81');

    const page = await newPage(browser, { ...phone, locale: 'en-GB' });
    await signIn(page, 'patient', 'patient', { patientId });

    await openForm(page, 'Form', 'Patient Health Questionnaire (PHQ-9)');
    await expectAccessible(page);
    await answerPhq9(page);
    await page.locator('[data-link-id="phq9-difficulty"]').getByLabel('Somewhat difficult', { exact: true }).check();
    await screenshot(page, 'patient-phq9-en');
    await page.getByRole('button', { name: 'Send' }).click();
    // 7 × 1 + 2 × 3 = 13
    expect(await page.getByTestId('form-scores').innerText()).toContain('PHQ-9 total score: 13');

    await openForm(page, 'Form', 'Before your visit');
    const weight = page.locator('[data-link-id="weight"]');
    expect(await weight.getByRole('spinbutton', { name: /^Weight/ }).inputValue()).toBe('81');
    expect(await weight.innerText()).toContain('Filled in from what the hospital already knows');
    const cigarettes = page.locator('[data-link-id="cigarettes-per-day"]');
    expect(await cigarettes.count()).toBe(0);
    await page.getByRole('spinbutton', { name: /^Height/ }).fill('180');
    await page.getByLabel('Smoker', { exact: true }).check();
    // The conditional question appears only for a smoker.
    await cigarettes.waitFor();
    await expectAccessible(page);

    // Sent unfinished: each problem at its question.
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await cigarettes.innerText()).toContain('Answer this question.');
    expect(await weight.innerText()).toContain('Confirm or change this pre-filled answer.');
    expect(await page.getByLabel(/^How many cigarettes/).getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page);
    await screenshot(page, 'patient-pre-visit-en');

    // A number forms refuses (beyond a whole number's range): forms' OperationOutcome is shown at the question.
    await page.getByLabel(/^How many cigarettes/).fill('99999999999');
    await weight.getByRole('button', { name: 'It is right' }).click();
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => cigarettes.innerText()).toContain('expected a whole number');

    await page.getByLabel(/^How many cigarettes/).fill('10');
    await page.getByRole('button', { name: 'Send' }).click();
    // BMI = 81 / 1.8² = 25.0, calculated by forms.
    expect(await page.getByTestId('form-scores').innerText()).toContain('Body mass index (calculated): 25');
    const responses = await api<{ entry?: Array<{ resource: { status: string; questionnaire: string; item?: Array<{ linkId: string }> } }> }>(
      'GET',
      `/fhir/QuestionnaireResponse?subject=Patient/${patientId}&questionnaire=${encodeURIComponent(PRE_VISIT)}`,
      await token('patient', patientId),
    );
    const stored = responses.body.entry?.map((e) => e.resource) ?? [];
    expect(stored.map((r) => r.status)).toEqual(['completed']);
    expect(stored[0]!.item?.map((i) => i.linkId)).toEqual(expect.arrayContaining(['body', 'smoking', 'cigarettes-per-day']));
  });

  it('by keyboard alone, in bokmål: the PHQ-9 answered and sent', async () => {
    const patientId = await enrolPatient();
    await assign(patientId, PHQ9);
    const page = await newPage(browser, { ...phone, locale: 'nb-NO' });
    await signIn(page, 'patient', 'patient', { patientId, keyboard: true });
    await tabTo(page, page.getByRole('link', { name: 'Skjema', exact: true }), 'Enter');
    await tabTo(page, page.getByRole('link', { name: 'Patient Health Questionnaire (PHQ-9)' }), 'Enter');
    // Tab reaches each question's options as one group; Space chooses the first, the arrow keys move the choice.
    for (let i = 1; i <= 9; i++) {
      const question = page.locator(`[data-link-id="phq9-${i}"]`);
      await tabTo(page, question.getByLabel('Not at all', { exact: true }), 'Space');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => question.getByLabel('Several days', { exact: true }).isChecked()).toBe(true);
    }
    await tabTo(page, page.getByRole('button', { name: 'Send' }), 'Enter');
    expect(await page.getByTestId('form-scores').innerText()).toContain('PHQ-9 total score: 9');
  });

  it('a draft saved in Varde on one phone is resumed on another and sent there; the first phone then starts afresh', async () => {
    const patientId = await enrolPatient();
    await assign(patientId, PHQ9);
    const own = await token('patient', patientId);
    const drafts = async () =>
      (await api<{ entry?: Array<{ resource: { id: string; item?: unknown[] } }> }>('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patientId}&status=in-progress`, own)).body.entry?.map((e) => e.resource) ?? [];

    const first = await newPage(browser, { ...phone, locale: 'en-GB' });
    await signIn(first, 'patient', 'patient', { patientId });
    await openForm(first, 'Form', 'Patient Health Questionnaire (PHQ-9)');
    for (let i = 1; i <= 4; i++) await first.locator(`[data-link-id="phq9-${i}"]`).getByLabel('More than half the days', { exact: true }).check();
    // Saved in Varde by itself after a pause in typing: an in-progress response with the four answers.
    await expect.poll(async () => (await drafts()).map((d) => d.item?.length), { timeout: 15_000 }).toEqual([4]);
    await first.getByTestId('draft-state').filter({ hasText: 'Draft saved' }).waitFor();
    const [draft] = await drafts();

    // Another phone (another browser context: its own storage and sign-in) resumes it.
    const second = await newPage(browser, { ...phone, locale: 'en-GB' });
    await signIn(second, 'patient', 'patient', { patientId });
    await openForm(second, 'Form', 'Patient Health Questionnaire (PHQ-9)');
    for (let i = 1; i <= 4; i++) expect(await second.locator(`[data-link-id="phq9-${i}"]`).getByLabel('More than half the days', { exact: true }).isChecked()).toBe(true);
    for (let i = 5; i <= 9; i++) await second.locator(`[data-link-id="phq9-${i}"]`).getByLabel('Not at all', { exact: true }).check();
    await expectAccessible(second);
    await second.getByRole('button', { name: 'Send' }).click();
    // 4 × 2 = 8
    expect(await second.getByTestId('form-scores').innerText()).toContain('PHQ-9 total score: 8');
    // The draft itself was completed (one response, the same id), not a second response beside it.
    expect(await drafts()).toEqual([]);
    const completed = await api<{ entry?: Array<{ resource: { id: string; status: string } }> }>('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patientId}`, own);
    expect(completed.body.entry?.map((e) => [e.resource.id, e.resource.status])).toEqual([[draft!.id, 'completed']]);

    // The first phone's copy belonged to the draft sent elsewhere: opened again, the form starts afresh.
    await openForm(first, 'Form', 'Patient Health Questionnaire (PHQ-9)');
    expect(await first.locator('[data-link-id="phq9-1"]').getByLabel('More than half the days', { exact: true }).isChecked()).toBe(false);
  });

  it('with Varde not answering, the draft is kept on the phone, survives signing in again, and is sent when Varde answers', async () => {
    const patientId = await enrolPatient();
    await assign(patientId, PHQ9);
    const page = await newPage(browser, { ...phone, locale: 'nb-NO' });
    await signIn(page, 'patient', 'patient', { patientId });
    await openForm(page, 'Skjema', 'Patient Health Questionnaire (PHQ-9)');
    // forms' responses cannot be reached (the network to them fails).
    await page.route('**/fhir/QuestionnaireResponse**', (route) => route.abort('connectionrefused'));
    await page.locator('[data-link-id="phq9-1"]').getByLabel('Nearly every day', { exact: true }).check();
    await page.locator('[data-link-id="phq9-2"]').getByLabel('Several days', { exact: true }).check();
    await page.getByTestId('draft-state').filter({ hasText: 'bare lagret på denne enheten' }).waitFor({ timeout: 15_000 });
    await expectAccessible(page);

    // A reload signs out (tokens live in memory only); signed in again, the answers are still there.
    await signIn(page, 'patient', 'patient', { patientId });
    await openForm(page, 'Skjema', 'Patient Health Questionnaire (PHQ-9)');
    expect(await page.locator('[data-link-id="phq9-1"]').getByLabel('Nearly every day', { exact: true }).isChecked()).toBe(true);
    expect(await page.locator('[data-link-id="phq9-2"]').getByLabel('Several days', { exact: true }).isChecked()).toBe(true);

    // Varde answers again: the rest answered and sent.
    await page.unroute('**/fhir/QuestionnaireResponse**');
    for (let i = 3; i <= 9; i++) await page.locator(`[data-link-id="phq9-${i}"]`).getByLabel('Not at all', { exact: true }).check();
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await page.getByTestId('form-scores').innerText()).toContain('PHQ-9 total score: 4');
  });
});
