import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, enrolPatient, expectAccessible, launchChromium, newPage, screenshot, sendSpo2, signIn, tabTo, token } from './browser';

/** A pathway designer edits the COPD rule set: a mistake is shown at its line, a what-if reports totals, publish. */
describe('pathway designer', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    // A what-if shows aggregates over at least five patients only: five with a reading in the period.
    for (let i = 0; i < 5; i++) await sendSpo2(await enrolPatient(), 93 - i, new Date(Date.now() - 86_400_000));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows a mistake at its line, runs a what-if over the history and publishes a new version', async () => {
    const before = (await api<{ version: number }>('GET', '/api/rule-sets/copd-default', await token('pathway-designer'))).body.version;
    const page = await newPage(browser, { viewport: { width: 1280, height: 1200 }, locale: 'nb-NO' });
    await signIn(page, 'clinician', 'pathway-designer');
    const editor = page.getByLabel('Regelsettet (YAML)');
    await expect.poll(() => editor.inputValue(), { timeout: 20_000 }).toContain('spo2-low');
    const source = await editor.inputValue();
    const line = source.split('\n').findIndex((l) => l.includes('threshold: 90')) + 1;

    await editor.fill(source.replace('threshold: 90', 'threshold: ninety'));
    await page.getByRole('button', { name: 'Kontroller' }).click();
    await expect.poll(() => page.getByTestId('rule-problems').innerText(), { timeout: 10_000 }).toContain(`Linje ${line}`);
    await expectAccessible(page);
    await screenshot(page, 'designer-problem');

    const candidate = source.replace(/^title: (.*)$/m, 'title: $1 (endret)');
    await editor.fill(candidate);
    await page.getByRole('button', { name: 'Kontroller' }).click();
    await expect.poll(() => page.getByTestId('rule-problems').innerText()).toContain('Regelsettet er gyldig.');
    await page.getByRole('button', { name: 'Hva om? Kjør mot historikken' }).click();
    await page.getByTestId('what-if').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('what-if').innerText()).toContain('Varsler');
    await expectAccessible(page);
    await screenshot(page, 'designer-what-if');

    await page.getByRole('button', { name: 'Publiser' }).click();
    await page.getByText(`Publisert som versjon ${before + 1}.`).waitFor();
  });

  it('the same in English by keyboard alone: a mistake found and gone to by its line, fixed, a what-if, publish', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 1200 }, locale: 'en-GB' });
    await signIn(page, 'clinician', 'pathway-designer', { keyboard: true });
    const editor = page.getByLabel('The rule set (YAML)');
    await expect.poll(() => editor.inputValue(), { timeout: 20_000 }).toContain('spo2-low');
    const lines = (await editor.inputValue()).split('\n').length;
    await tabTo(page, editor);
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nbogus: 1');
    await tabTo(page, page.getByRole('button', { name: 'Validate' }), 'Enter');
    const problems = page.getByTestId('rule-problems');
    await expect.poll(() => problems.innerText(), { timeout: 10_000 }).toMatch(/Line \d+/);
    // "Go to line" puts the caret in the editor at the line named.
    await tabTo(page, problems.getByRole('button', { name: /^Go to line/ }), 'Enter');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe('TEXTAREA');
    await page.keyboard.press('Control+End');
    for (let i = 0; i < '\nbogus: 1'.length; i++) await page.keyboard.press('Backspace');
    expect((await editor.inputValue()).split('\n').length).toBe(lines);
    await tabTo(page, page.getByRole('button', { name: 'Validate' }), 'Enter');
    await expect.poll(() => problems.innerText()).toContain('The rule set is valid.');
    await tabTo(page, page.getByRole('button', { name: 'What if? Run over the history' }), 'Enter');
    await page.getByTestId('what-if').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('what-if').innerText()).toContain('Alerts');
    await expectAccessible(page);
    await screenshot(page, 'designer-what-if-en');
    await tabTo(page, page.getByRole('button', { name: 'Publish' }), 'Enter');
    await page.getByText(/^Published as version \d+\.$/).waitFor();
  });
});
