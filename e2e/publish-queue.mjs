// Drives the publishing pages in headless Chromium for
// cmd/rapport/publish_browser_test.go: an author drafts a post the
// organisation's phrase rules block, sees the reasons, edits it and submits
// it; a reviewer signs in, approves it and finds it on the calendar.
// Prints "STEP …" lines and "DONE", or "FAIL …".
//
// Environment: RAPPORT_URL, RAPPORT_ORG, AUTHOR_EMAIL, REVIEWER_EMAIL,
// RAPPORT_PASSWORD, BANNED_TEXT, FIXED_TEXT, ACCOUNT, PUBLISH_AT
// (YYYY-MM-DDTHH:MM, UTC), SCREENSHOT_DIR, CHROMIUM, USER_DATA_DIR.
import path from 'node:path';
import { env, step, open, run } from './harness.mjs';

const base = env('RAPPORT_URL');
const shots = env('SCREENSHOT_DIR');
const browser = await open();
const { page } = browser;

async function login(email) {
  await page.goto(`${base}/login?next=/app/publish`);
  await page.fill('#org', env('RAPPORT_ORG'));
  await page.fill('#email', email);
  await page.fill('#password', env('RAPPORT_PASSWORD'));
  await page.click('#login-submit');
  await page.waitForURL(/\/app\/publish$/);
}

await run(browser, async () => {
  await login(env('AUTHOR_EMAIL'));
  step('author signed in');
  await page.fill('#post-text', env('BANNED_TEXT'));
  await page.fill('#post-accounts', env('ACCOUNT'));
  await page.fill('#post-at', env('PUBLISH_AT'));
  await page.click('#save-post');
  const row = page.locator('#post-list tr[data-post-id]').first();
  await page.waitForSelector('#post-list tr[data-status="draft"][data-version="1"]');
  step('draft saved');
  await row.locator('button[data-action="submit"]').click();
  await page.waitForSelector('#publish-error:not([hidden])');
  const codes = await page.locator('#publish-reasons li[data-code]').evaluateAll((ls) => ls.map((l) => l.dataset.code));
  if (!codes.includes('BANNED_PHRASE')) throw new Error(`submit not blocked by the phrase rules: ${codes}`);
  step(`submit blocked: ${codes.join(',')}`);
  await page.screenshot({ path: path.join(shots, 'publish-1-blocked.png'), fullPage: true });

  await row.locator('button[data-action="edit"]').click();
  await page.fill('#post-text', env('FIXED_TEXT'));
  await page.click('#save-post');
  await page.waitForSelector('#post-list tr[data-status="draft"][data-version="2"]');
  await page.locator('#post-list tr[data-post-id]').first().locator('button[data-action="submit"]').click();
  await page.waitForSelector('#post-list tr[data-status="in_review"]');
  if (await page.locator('#post-list button[data-action="approve"]').count() !== 0) {
    throw new Error('the author is offered to approve');
  }
  step('edited and submitted');

  await page.click('#logout');
  await page.waitForURL(/\/login/);
  await login(env('REVIEWER_EMAIL'));
  await page.locator('#post-list tr[data-status="in_review"] button[data-action="approve"]').click();
  await page.waitForSelector('#post-list tr[data-status="approved"]');
  step('reviewer approved');
  await page.screenshot({ path: path.join(shots, 'publish-2-approved.png'), fullPage: true });

  await page.goto(`${base}/app/publish/calendar?from=${env('PUBLISH_AT').slice(0, 10)}`);
  const cell = page.locator('.cal-post[data-post-id]');
  await cell.first().waitFor();
  step(`calendar shows: ${(await cell.first().textContent()).replace(/\s+/g, ' ').trim()}`);
  await page.screenshot({ path: path.join(shots, 'publish-3-calendar.png'), fullPage: true });
});
