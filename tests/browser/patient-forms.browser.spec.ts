import { randomUUID } from 'node:crypto';
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

/** A questionnaire a pathway designer publishes, assigned to a new patient, who opens it in the app (in English, on a phone). */
async function publishAndOpen(browser: Browser, questionnaire: { url: string }, title: string): Promise<{ page: Page; patientId: string }> {
  const designer = await token('pathway-designer');
  const draft = await api<{ id: string }>('POST', '/fhir/Questionnaire', designer, questionnaire);
  expect(draft.status, JSON.stringify(draft.body)).toBe(201);
  expect((await api('POST', `/fhir/Questionnaire/${draft.body.id}/$publish`, designer)).status).toBe(200);
  const patientId = await enrolPatient();
  await assign(patientId, `${questionnaire.url}|1`);
  const page = await newPage(browser, { ...phone, locale: 'en-GB' });
  await signIn(page, 'patient', 'patient', { patientId });
  await openForm(page, 'Form', title);
  return { page, patientId };
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

    // Today lists the forms to answer (the CAT from the enrolment, the two the clinician gave), each opened from there.
    const due = page.getByTestId('due');
    await due.getByRole('link', { name: 'Answer the form “Before your visit”' }).waitFor();
    expect(await due.innerText()).toContain('Answer the form “COPD Assessment Test (CAT)”');
    await due.getByRole('link', { name: 'Answer the form “Patient Health Questionnaire (PHQ-9)”' }).click();
    await page.getByRole('heading', { level: 1, name: 'Patient Health Questionnaire (PHQ-9)' }).waitFor();
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
    // The BMI is calculated as the patient types, by forms' own FHIRPath evaluation: 81 / 1.7² = 28.0, then 81 / 1.8² = 25.0.
    const bmi = page.getByRole('spinbutton', { name: /^Body mass index/ });
    expect(await bmi.inputValue()).toBe('');
    await page.getByRole('spinbutton', { name: /^Height/ }).fill('170');
    await expect.poll(() => bmi.inputValue()).toBe('28');
    await page.getByRole('spinbutton', { name: /^Height/ }).fill('180');
    await expect.poll(() => bmi.inputValue()).toBe('25');
    expect(await page.locator('[data-link-id="bmi"]').innerText()).toContain('Calculated from your answers as you fill them in.');
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

  it('a pre-filled answer confirmed on one phone is not asked again on another (the confirmation travels in the draft)', async () => {
    const patientId = await enrolPatient();
    await assign(patientId, PRE_VISIT);
    await sendWeight(patientId, 77);
    const own = await token('patient', patientId);
    await expect.poll(async () => JSON.stringify((await api('GET', `/fhir/Questionnaire/pre-visit/$populate?subject=Patient/${patientId}`, own)).body), { timeout: 20_000 }).toContain('"value":77');
    const drafts = async () => (await api<{ entry?: Array<{ resource: { item?: unknown[] } }> }>('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patientId}&status=in-progress`, own)).body.entry ?? [];

    const first = await newPage(browser, { ...phone, locale: 'en-GB' });
    await signIn(first, 'patient', 'patient', { patientId });
    await openForm(first, 'Form', 'Before your visit');
    const weightOn = (page: typeof first) => page.locator('[data-link-id="weight"]');
    expect(await weightOn(first).innerText()).toContain('Filled in from what the hospital already knows');
    await weightOn(first).getByRole('button', { name: 'It is right' }).click();
    expect(await weightOn(first).innerText()).not.toContain('Filled in from what the hospital already knows');
    await expect.poll(async () => JSON.stringify(await drafts()), { timeout: 15_000 }).toContain('prefilled-confirmed');

    const second = await newPage(browser, { ...phone, locale: 'en-GB' });
    await signIn(second, 'patient', 'patient', { patientId });
    await openForm(second, 'Form', 'Before your visit');
    expect(await weightOn(second).getByRole('spinbutton', { name: /^Weight/ }).inputValue()).toBe('77');
    expect(await weightOn(second).innerText()).not.toContain('Filled in from what the hospital already knows');
    expect(await weightOn(second).getByRole('button', { name: 'It is right' }).count()).toBe(0);
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

  it('answers a questionnaire with every item type forms accepts (repeats, readOnly, maxLength, initial, enableWhen "any"), stored as typed', async () => {
    const url = `https://example.org/fhir/Questionnaire/every-item-${randomUUID()}`;
    const unit = (code: string, display: string) => ({ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption', valueCoding: { system: 'http://unitsofmeasure.org', code, display } });
    const questionnaire = {
      resourceType: 'Questionnaire',
      url,
      version: '1',
      name: 'EveryItemType',
      title: 'Every item type',
      status: 'draft',
      contained: [{ resourceType: 'ValueSet', id: 'symptoms', status: 'active', compose: { include: [{ system: 'https://example.org/symptoms', concept: [{ code: 'cough', display: 'Cough' }, { code: 'fever', display: 'Fever' }, { code: 'pain', display: 'Pain' }] }] } }],
      item: [
        { linkId: 'intro', type: 'display', text: 'A few questions about your week.' },
        {
          linkId: 'week',
          type: 'group',
          text: 'Your week',
          item: [
            { linkId: 'walks', type: 'boolean', text: 'Did you walk every day?', required: true },
            { linkId: 'temp', type: 'decimal', text: 'Highest temperature' },
            { linkId: 'steps', type: 'integer', text: 'Steps on a usual day', initial: [{ valueInteger: 1000 }] },
            { linkId: 'since', type: 'date', text: 'Unwell since' },
            { linkId: 'last-dose', type: 'dateTime', text: 'Last dose of antibiotics' },
            { linkId: 'wake', type: 'time', text: 'Usual time you wake' },
            { linkId: 'nickname', type: 'string', text: 'What should we call you?', maxLength: 10 },
            { linkId: 'notes', type: 'text', text: 'Anything else' },
            { linkId: 'symptoms', type: 'choice', text: 'Symptoms', repeats: true, answerValueSet: '#symptoms' },
            { linkId: 'inhaler', type: 'open-choice', text: 'Which inhaler?', answerOption: [{ valueCoding: { system: 'https://example.org/inhalers', code: 'blue', display: 'Blue' } }, { valueCoding: { system: 'https://example.org/inhalers', code: 'brown', display: 'Brown' } }] },
            { linkId: 'waist', type: 'quantity', text: 'Waist', extension: [unit('cm', 'cm'), unit('[in_i]', 'inch')] },
            { linkId: 'medicines', type: 'string', text: 'Medicines', repeats: true },
            { linkId: 'ref', type: 'string', text: 'Reference', readOnly: true, initial: [{ valueString: 'A-1' }] },
          ],
        },
        {
          linkId: 'why',
          type: 'string',
          text: 'What stopped you?',
          enableBehavior: 'any',
          enableWhen: [
            { question: 'walks', operator: '=', answerBoolean: false },
            { question: 'steps', operator: '<', answerInteger: 500 },
          ],
        },
      ],
    };
    const { page, patientId } = await publishAndOpen(browser, questionnaire, 'Every item type');
    const item = (linkId: string) => page.locator(`[data-link-id="${linkId}"]`);
    expect(await item('steps').getByRole('spinbutton').inputValue()).toBe('1000');
    expect(await item('ref').getByRole('textbox').inputValue()).toBe('A-1');
    expect(await item('ref').getByRole('textbox').getAttribute('readonly')).not.toBeNull();

    // enableWhen with enableBehavior "any": shown when the patient did not walk, or walks under 500 steps.
    await item('walks').getByLabel('Yes', { exact: true }).check();
    expect(await item('why').count()).toBe(0);
    await item('steps').getByRole('spinbutton').fill('400');
    await item('why').waitFor();
    await item('steps').getByRole('spinbutton').fill('1000');
    await expect.poll(() => item('why').count()).toBe(0);
    await item('walks').getByLabel('No', { exact: true }).check();
    await item('why').getByRole('textbox').fill('Knee pain');

    await item('temp').getByRole('spinbutton').fill('37.5');
    await item('since').locator('input').fill('2026-11-01');
    await item('last-dose').locator('input').fill('2026-12-01T08:30');
    await item('wake').locator('input').fill('07:15:00');
    await item('nickname').getByRole('textbox').focus();
    await page.keyboard.type('Kari Nordmann');
    expect(await item('nickname').getByRole('textbox').inputValue()).toBe('Kari Nordm');
    await item('notes').getByRole('textbox').fill('Tired.\nSlept badly.');
    await item('symptoms').getByLabel('Cough').check();
    await item('symptoms').getByLabel('Pain').check();
    await item('inhaler').getByLabel('Other answer').fill('Green one');
    await item('waist').getByRole('combobox', { name: 'Unit' }).selectOption('[in_i]');
    await item('waist').getByRole('spinbutton').fill('34');
    await item('medicines').getByRole('textbox').first().fill('Spiriva');
    await item('medicines').getByRole('button', { name: 'Add another answer' }).click();
    await item('medicines').getByRole('textbox', { name: 'Medicines (2)' }).fill('Ventoline');
    await expectAccessible(page);
    await screenshot(page, 'patient-every-item-en');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('form-sent').waitFor();

    type Item = { linkId: string; answer?: Array<Record<string, unknown>>; item?: Item[] };
    const found = await api<{ entry?: Array<{ resource: { item?: Item[] } }> }>('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patientId}&questionnaire=${encodeURIComponent(url)}`, await token('patient', patientId));
    const answers = new Map<string, Array<Record<string, unknown>>>();
    const visit = (items: Item[] | undefined): void => items?.forEach((i) => (i.answer ? answers.set(i.linkId, i.answer) : visit(i.item)));
    visit(found.body.entry?.[0]?.resource.item);
    expect(Object.fromEntries(answers)).toEqual({
      walks: [{ valueBoolean: false }],
      temp: [{ valueDecimal: 37.5 }],
      steps: [{ valueInteger: 1000 }],
      since: [{ valueDate: '2026-11-01' }],
      'last-dose': [{ valueDateTime: expect.stringMatching(/^2026-12-01T\d\d:30:00/) }],
      wake: [{ valueTime: '07:15:00' }],
      nickname: [{ valueString: 'Kari Nordm' }],
      notes: [{ valueString: 'Tired.\nSlept badly.' }],
      symptoms: [{ valueCoding: { system: 'https://example.org/symptoms', code: 'cough', display: 'Cough' } }, { valueCoding: { system: 'https://example.org/symptoms', code: 'pain', display: 'Pain' } }],
      inhaler: [{ valueString: 'Green one' }],
      waist: [{ valueQuantity: { value: 34, unit: 'inch', system: 'http://unitsofmeasure.org', code: '[in_i]' } }],
      medicines: [{ valueString: 'Spiriva' }, { valueString: 'Ventoline' }],
      ref: [{ valueString: 'A-1' }],
      why: [{ valueString: 'Knee pain' }],
    });
  });

  it('a patient adds, fills and removes instances of a repeating group, sees a calculated count change as they do, and forms takes the response', async () => {
    const url = `https://example.org/fhir/Questionnaire/medicines-${randomUUID()}`;
    const questionnaire = {
      resourceType: 'Questionnaire',
      url,
      version: '1',
      name: 'Medicines',
      title: 'Your medicines',
      status: 'draft',
      item: [
        {
          linkId: 'medicine',
          type: 'group',
          text: 'Medicine',
          repeats: true,
          required: true,
          item: [
            { linkId: 'name', type: 'string', text: 'Name of the medicine', required: true },
            { linkId: 'as-needed', type: 'boolean', text: 'Only when needed?' },
            { linkId: 'max', type: 'integer', text: 'At most how many doses a day?', required: true, enableWhen: [{ question: 'as-needed', operator: '=', answerBoolean: true }] },
          ],
        },
        {
          linkId: 'count',
          type: 'integer',
          text: 'Medicines listed',
          readOnly: true,
          extension: [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression', valueExpression: { language: 'text/fhirpath', expression: "%resource.item.where(linkId = 'medicine').count()" } }],
        },
        { linkId: 'allergies', type: 'string', text: 'Allergies', repeats: true },
      ],
    };
    const { page, patientId } = await publishAndOpen(browser, questionnaire, 'Your medicines');
    const group = page.locator('[data-link-id="medicine"]');
    const instance = (n: number) => group.getByRole('region', { name: `Medicine ${n}`, exact: true });
    const count = page.getByRole('spinbutton', { name: /^Medicines listed/ });
    // One instance to start with, and nothing to remove.
    expect(await group.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    await instance(1).getByRole('textbox', { name: /^Name of the medicine/ }).fill('Ventoline');
    await instance(1).getByLabel('Yes', { exact: true }).check();
    await instance(1).getByRole('spinbutton', { name: /^At most how many/ }).fill('8');
    await expect.poll(() => count.inputValue()).toBe('1');

    await group.getByRole('button', { name: 'Add another “Medicine”' }).click();
    await instance(2).getByRole('textbox', { name: /^Name of the medicine/ }).fill('Spiriva');
    await instance(2).getByLabel('No', { exact: true }).check();
    // enableWhen inside an instance reads that instance: no dose question for a medicine taken every day.
    expect(await instance(2).locator('[data-link-id="max"]').count()).toBe(0);
    await group.getByRole('button', { name: 'Add another “Medicine”' }).click();
    await instance(3).getByRole('textbox', { name: /^Name of the medicine/ }).fill('Atrovent');
    await instance(3).getByLabel('Yes', { exact: true }).check();
    await expect.poll(() => count.inputValue()).toBe('3');

    // The third is unfinished: the form says so at its question, in that instance only.
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await instance(3).locator('[data-link-id="max"]').innerText()).toContain('Answer this question.');
    expect(await instance(1).innerText()).not.toContain('Answer this question.');
    await expectAccessible(page);
    await screenshot(page, 'patient-repeating-group-en');

    // The second removed: the third moves up and keeps its answers.
    await group.getByRole('button', { name: 'Remove Medicine 2' }).click();
    await expect.poll(() => count.inputValue()).toBe('2');
    expect(await instance(2).getByRole('textbox', { name: /^Name of the medicine/ }).inputValue()).toBe('Atrovent');
    expect(await instance(3).count()).toBe(0);
    await instance(2).getByRole('spinbutton', { name: /^At most how many/ }).fill('4');

    // A repeating question: answers added and one removed.
    const allergies = page.locator('[data-link-id="allergies"]');
    await allergies.getByRole('textbox').first().fill('Penicillin');
    await allergies.getByRole('button', { name: 'Add another answer' }).click();
    await allergies.getByRole('textbox', { name: 'Allergies (2)' }).fill('Nuts');
    await allergies.getByRole('button', { name: 'Add another answer' }).click();
    await allergies.getByRole('textbox', { name: 'Allergies (3)' }).fill('Latex');
    await allergies.getByRole('button', { name: 'Remove answer 2 to “Allergies”' }).click();
    expect(await allergies.getByRole('textbox', { name: 'Allergies (2)' }).inputValue()).toBe('Latex');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await page.getByTestId('form-scores').innerText()).toContain('Medicines listed: 2');

    type Item = { linkId: string; answer?: Array<Record<string, unknown>>; item?: Item[] };
    const found = await api<{ entry?: Array<{ resource: { status: string; item?: Item[] } }> }>('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patientId}&questionnaire=${encodeURIComponent(url)}`, await token('patient', patientId));
    const stored = found.body.entry?.[0]?.resource;
    expect(stored?.status).toBe('completed');
    const answersOf = (entry: Item) => Object.fromEntries((entry.item ?? []).map((i) => [i.linkId, i.answer?.map((a) => Object.values(a)[0])]));
    expect(stored?.item?.filter((i) => i.linkId === 'medicine').map(answersOf)).toEqual([
      { name: ['Ventoline'], 'as-needed': [true], max: [8] },
      { name: ['Atrovent'], 'as-needed': [true], max: [4] },
    ]);
    expect(stored?.item?.find((i) => i.linkId === 'allergies')?.answer).toEqual([{ valueString: 'Penicillin' }, { valueString: 'Latex' }]);
    expect(stored?.item?.find((i) => i.linkId === 'count')?.answer).toEqual([{ valueInteger: 2 }]);
  });

  it('shows a question as its SDC enableWhenExpression decides, as the patient types, and forms takes what the app sends', async () => {
    const url = `https://example.org/fhir/Questionnaire/nights-${randomUUID()}`;
    const answerOf = (linkId: string) => `%resource.item.where(linkId = '${linkId}').answer.value`;
    const when = (expression: string) => [{ url: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression', valueExpression: { language: 'text/fhirpath', expression } }];
    const questionnaire = {
      resourceType: 'Questionnaire',
      url,
      version: '1',
      name: 'Nights',
      title: 'Your night',
      status: 'draft',
      item: [
        { linkId: 'slept', type: 'decimal', text: 'Hours slept', required: true },
        { linkId: 'woke', type: 'integer', text: 'Times woken', required: true },
        // Two answers together decide it: what enableWhen cannot say.
        { linkId: 'why', type: 'string', text: 'What kept you awake?', required: true, extension: when(`${answerOf('slept')} < 5 or ${answerOf('woke')} > 3`) },
      ],
    };
    const { page, patientId } = await publishAndOpen(browser, questionnaire, 'Your night');
    const why = page.locator('[data-link-id="why"]');
    await page.getByRole('spinbutton', { name: /^Hours slept/ }).fill('8');
    await page.getByRole('spinbutton', { name: /^Times woken/ }).fill('1');
    expect(await why.count()).toBe(0);
    await page.getByRole('spinbutton', { name: /^Times woken/ }).fill('5');
    await why.waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await why.innerText()).toContain('Answer this question.');
    await why.getByRole('textbox').fill('The neighbours');
    await expectAccessible(page);
    // Woken less after all: the question goes, and its answer is not sent (forms would refuse it).
    await page.getByRole('spinbutton', { name: /^Times woken/ }).fill('2');
    await why.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('form-sent').waitFor();

    type Item = { linkId: string; answer?: Array<Record<string, unknown>> };
    const found = await api<{ entry?: Array<{ resource: { status: string; item?: Item[] } }> }>('GET', `/fhir/QuestionnaireResponse?subject=Patient/${patientId}&questionnaire=${encodeURIComponent(url)}`, await token('patient', patientId));
    const stored = found.body.entry?.[0]?.resource;
    expect(stored?.status).toBe('completed');
    expect(stored?.item?.map((i) => [i.linkId, i.answer?.map((a) => Object.values(a)[0])])).toEqual([
      ['slept', [8]],
      ['woke', [2]],
    ]);
  });
});
