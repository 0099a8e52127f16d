import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, enrolPatient, expectAccessible, launchChromium, newPage, screenshot, signIn, tabTo, token } from './browser';

/**
 * The patient's journey in a real browser on a 360 px wide phone, against the platform started as `npm start`
 * starts it: sign in, answer the CAT, enter a blood pressure, see it plotted, and see the clinician's read in the
 * access log — in bokmål and in English.
 */
describe('patient app', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const journey = async (language: 'nb' | 'en', page: Page, patientId: string): Promise<void> => {
    const text = {
      nb: { today: 'I dag', form: 'Skjema', send: 'Send', measure: 'Ny måling', systolic: /Overtrykk/, diastolic: /Undertrykk/, measurements: 'Mine målinger', accessLog: 'Hvem har sett', clinicianRead: 'en kliniker så', accessLogIntro: 'Her ser du hver gang' },
      en: { today: 'Today', form: 'Form', send: 'Send', measure: 'New measurement', systolic: /Upper/, diastolic: /Lower/, measurements: 'My measurements', accessLog: 'Who has looked', clinicianRead: 'a clinician looked at', accessLogIntro: 'Here you see every time' },
    }[language];
    await expectAccessible(page);
    await screenshot(page, `patient-today-${language}`);

    await page.getByRole('link', { name: text.form, exact: true }).click();
    await page.getByRole('link', { name: 'COPD Assessment Test (CAT)' }).click();
    const questions = page.locator('fieldset.question');
    await questions.first().waitFor();
    expect(await questions.count()).toBe(8);
    await expectAccessible(page);
    for (let i = 0; i < 8; i++) await questions.nth(i).getByLabel(String(i % 6), { exact: true }).check();
    await screenshot(page, `patient-form-${language}`);
    await page.getByRole('button', { name: text.send }).click();
    await page.getByTestId('form-sent').waitFor();

    await page.getByRole('link', { name: text.measure, exact: true }).click();
    await page.getByLabel(text.systolic).fill('142');
    await page.getByLabel(text.diastolic).fill('91');
    await expectAccessible(page);
    await screenshot(page, `patient-measure-${language}`);
    await page.getByRole('button', { name: text.send }).click();
    await page.getByTestId('measure-sent').waitFor();

    await page.getByRole('link', { name: text.measurements, exact: true }).click();
    const plot = page.getByTestId('bp-plot');
    await plot.waitFor();
    expect(await plot.locator('canvas').count()).toBe(1);
    await plot.locator('summary').click();
    expect(await plot.locator('details tbody').innerText()).toContain('142');
    await expectAccessible(page);
    await screenshot(page, `patient-measurements-${language}`);

    // A clinician reads the patient's measurements: the patient sees it in plain words.
    expect((await api('GET', `/api/patients/${patientId}/measurements/series?code=85354-9`, await token('clinician'))).status).toBe(200);
    await expect
      .poll(
        async () => {
          // Away and back: the screen reads the log each time it opens.
          await page.getByRole('link', { name: text.today, exact: true }).click();
          await page.getByRole('link', { name: text.accessLog, exact: true }).click();
          await page.getByText(text.accessLogIntro).waitFor();
          await page.getByTestId('access-log').locator('li').first().waitFor();
          return page.getByTestId('access-log').innerText();
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toContain(text.clinicianRead);
    await expectAccessible(page);
    await screenshot(page, `patient-access-log-${language}`);
  };

  it('a patient answers the CAT, enters a blood pressure, sees it plotted and sees the clinician’s read, on a 360 px phone', async () => {
    const patientId = await enrolPatient();
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, locale: 'nb-NO' });
    await signIn(page, 'patient', 'patient', { patientId });
    await journey('nb', page, patientId);
  });

  it('the same in English', async () => {
    const patientId = await enrolPatient();
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, locale: 'nb-NO' });
    await signIn(page, 'patient', 'patient', { patientId });
    // Switched in the app: the choice is the user's, whatever the browser says.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
    await journey('en', page, patientId);
  });

  it('a guardian switches between the children they act for', async () => {
    const [first, second] = [await enrolPatient(), await enrolPatient()];
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, locale: 'nb-NO' });
    await signIn(page, 'patient', 'guardian', { patientId: `${first},${second}` });
    const child = page.getByTestId('child');
    expect(await child.inputValue()).toBe(first);
    await child.selectOption(second);
    await page.getByRole('link', { name: 'Hvem har sett', exact: true }).click();
    await page.getByTestId('access-log').waitFor();
    await expectAccessible(page);
    await screenshot(page, 'patient-guardian-nb');
    // The read was of the chosen child's data: their own access log says a guardian looked.
    await expect
      .poll(async () => (await api<{ entries: Array<{ actor: { role: string } }> }>('GET', `/api/patients/${second}/access-log`, await token('patient', second))).body.entries.map((e) => e.actor.role), { timeout: 20_000 })
      .toContain('guardian');
  });

  it('by keyboard alone, in English: answers the CAT, enters a blood pressure and sees it in the table under the plot', async () => {
    const patientId = await enrolPatient();
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, locale: 'en-GB' });
    await signIn(page, 'patient', 'patient', { patientId, keyboard: true });
    await tabTo(page, page.getByRole('link', { name: 'Form', exact: true }), 'Enter');
    await tabTo(page, page.getByRole('link', { name: 'COPD Assessment Test (CAT)' }), 'Enter');
    const questions = page.locator('fieldset.question');
    await questions.first().waitFor();
    // Tab reaches each question's options as one group; Space chooses the first, the arrow keys move the choice.
    for (let i = 0; i < 8; i++) {
      await tabTo(page, questions.nth(i).getByLabel('0', { exact: true }), 'Space');
      for (let step = 0; step < i % 6; step++) await page.keyboard.press('ArrowRight');
      await expect.poll(() => questions.nth(i).getByLabel(String(i % 6), { exact: true }).isChecked()).toBe(true);
    }
    await tabTo(page, page.getByRole('button', { name: 'Send' }), 'Enter');
    await page.getByTestId('form-sent').waitFor();

    await tabTo(page, page.getByRole('link', { name: 'New measurement', exact: true }), 'Enter');
    await tabTo(page, page.getByLabel(/Upper/));
    await page.keyboard.type('138');
    await tabTo(page, page.getByLabel(/Lower/));
    await page.keyboard.type('88');
    await tabTo(page, page.getByRole('button', { name: 'Send' }), 'Enter');
    await page.getByTestId('measure-sent').waitFor();

    await tabTo(page, page.getByRole('link', { name: 'My measurements', exact: true }), 'Enter');
    const plot = page.getByTestId('bp-plot');
    await plot.waitFor();
    await tabTo(page, plot.locator('summary'), 'Enter');
    expect(await plot.locator('details tbody').innerText()).toContain('138');
    // The answered CAT reached forms as the patient's own response.
    const assignments = await api<{ assignments: Array<{ status: string }> }>('GET', `/api/patients/${patientId}/form-assignments`, await token('patient', patientId));
    expect(assignments.body.assignments.map((a) => a.status)).toContain('answered');
  });

  it('sees my consents and blocks in plain words (English, by keyboard)', async () => {
    const patientId = await enrolPatient();
    const own = await token('patient', patientId);
    const consent = (type: 'permit' | 'deny', party: { system: string; value: string }, display: string, role: string) => ({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patientId}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: type === 'permit' ? 'OPTIN' : 'OPTOUT' }] },
      provision: { type, actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: role }] }, reference: { identifier: party, display } }] },
    });
    expect((await api('POST', '/fhir/Consent', own, consent('permit', { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '910000012' }, 'Eksempel kommune hjemmetjenesten', 'IRCP'))).status).toBe(201);
    expect((await api('POST', '/fhir/Consent', own, consent('deny', { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144889' }, 'Lege Blokkert', 'PRCP'))).status).toBe(201);

    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, locale: 'en-GB' });
    await signIn(page, 'patient', 'patient', { patientId, keyboard: true });
    await tabTo(page, page.getByRole('link', { name: 'My consents', exact: true }), 'Enter');
    const list = page.getByTestId('consents');
    await expect.poll(() => list.locator('li').count(), { timeout: 10_000 }).toBe(2);
    const text = await list.innerText();
    expect(text).toContain('You allow Eksempel kommune hjemmetjenesten to see your data. In force.');
    expect(text).toContain('You have blocked Lege Blokkert from seeing your data. In force.');
    await expectAccessible(page);
    await screenshot(page, 'patient-consents-en');
  });

  it('gives a consent, is told when the organisation is unknown, and withdraws it (bokmål, by keyboard)', async () => {
    const patientId = await enrolPatient();
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, locale: 'nb-NO' });
    await signIn(page, 'patient', 'patient', { patientId, keyboard: true });
    await tabTo(page, page.getByRole('link', { name: 'Mine samtykker', exact: true }), 'Enter');
    await page.getByText('Du har ikke gitt samtykke eller laget sperringer.').waitFor();

    // An organisation this trust's Varde does not know, by number: no match in the directory, sharing's refusal in
    // words, and nothing recorded.
    const field = page.getByLabel('Virksomhet: navn eller organisasjonsnummer');
    await tabTo(page, field);
    await page.keyboard.type('910000055');
    await page.getByText('Ingen virksomhet passer.', { exact: false }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Gi samtykke' }), 'Enter');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('910000055');

    // The GP office, found by a word of its name (the directory's municipality is offered too), chosen by keyboard.
    await field.fill('');
    await tabTo(page, field);
    await page.keyboard.type('Eksempel');
    const matches = page.getByTestId('organisation-matches');
    await expect.poll(() => matches.getByRole('radio').count(), { timeout: 10_000 }).toBe(3);
    // Only receivers are offered for a consent: not the hospital's other unit.
    expect(await matches.innerText()).not.toContain('annen avdeling');
    // A radio group is one stop for Tab; the arrows move through it (and choose), as for any radio group.
    await tabTo(page, matches.getByRole('radio').first());
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await matches.getByRole('radio', { name: 'Eksempel legesenter (910000020)' }).isChecked()).toBe(true);
    await tabTo(page, page.getByRole('button', { name: 'Gi samtykke' }), 'Enter');
    const list = page.getByTestId('consents');
    await expect.poll(() => list.locator('li[data-status=active]').count(), { timeout: 10_000 }).toBe(1);
    expect(await list.innerText()).toContain('Du lar Eksempel legesenter se dataene dine. Gjelder.');
    await expectAccessible(page);
    await screenshot(page, 'patient-consent-given-nb');

    await tabTo(page, list.getByRole('button', { name: /^Trekk tilbake samtykket mitt/ }), 'Enter');
    await expect.poll(() => list.locator('li[data-status=inactive]').count(), { timeout: 10_000 }).toBe(1);
    expect(await list.locator('li[data-status=active]').count()).toBe(0);
    // sharing holds the withdrawal: no consent of the patient's is in force.
    const stored = await api<{ entry?: Array<{ resource: { status: string } }> }>('GET', `/fhir/Consent?patient=Patient/${patientId}`, await token('patient', patientId));
    expect(stored.body.entry?.map((e) => e.resource.status)).toEqual(['inactive']);
  });
});
