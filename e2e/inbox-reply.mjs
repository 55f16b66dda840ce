// Drives Rapport's dashboard in headless Chromium for the browser test
// (cmd/rapport/publish_browser_test.go): an agent signs in, sees a new
// mention arrive live, writes a reply the PHI guard blocks, fixes it and
// sends it. The Go test starts the server and injects the mention when this
// script prints "READY"; it reads the result lines ("STEP …", "DONE", or
// "FAIL …").
//
// Environment: RAPPORT_URL, RAPPORT_ORG, RAPPORT_EMAIL, RAPPORT_PASSWORD,
// BLOCKED_REPLY, FIXED_REPLY, SCREENSHOT_DIR, CHROMIUM (executable path),
// USER_DATA_DIR (a fresh profile directory).
import { createInterface } from 'node:readline';
import path from 'node:path';
import { env, step, open, run } from './harness.mjs';

const base = env('RAPPORT_URL');
const shots = env('SCREENSHOT_DIR');
const browser = await open();
const { page } = browser;
const stdin = createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();

await run(browser, async () => {
  await page.goto(`${base}/app/inbox`);
  await page.waitForURL(/\/login/); // no session yet: sent to sign in
  step('login page');
  await page.fill('#org', env('RAPPORT_ORG'));
  await page.fill('#email', env('RAPPORT_EMAIL'));
  await page.fill('#password', env('RAPPORT_PASSWORD'));
  await page.click('#login-submit');
  await page.waitForURL(/\/app\/inbox$/);
  await page.waitForSelector('#live-status[data-state="live"]');
  const before = await page.locator('#inbox-rows tr[data-conversation-id]').count();
  step(`inbox live with ${before} conversations`);
  console.log('READY');
  await lines.next(); // the test has injected the mention

  const row = page.locator('#inbox-rows tr[data-conversation-id]').first();
  await page.waitForFunction((n) => document.querySelectorAll('#inbox-rows tr[data-conversation-id]').length > n, before, { timeout: 20000 });
  const network = await row.locator('td').first().textContent();
  step(`mention arrived live: ${network}`);
  await page.screenshot({ path: path.join(shots, '1-inbox-live.png'), fullPage: true });
  await row.locator('a').click();
  await page.waitForSelector('#composer');

  await page.fill('#reply-text', env('BLOCKED_REPLY'));
  await page.click('#send-reply');
  await page.waitForSelector('#reply-status[data-state="blocked"]');
  const reasons = await page.locator('#guard-reasons li').evaluateAll((ls) => ls.map((l) => l.dataset.code));
  const suggestion = await page.locator('#guard-suggestion').textContent();
  if (reasons.length === 0 || !suggestion) throw new Error('blocked without reasons or a suggestion');
  step(`guard blocked: ${reasons.join(',')}`);
  await page.screenshot({ path: path.join(shots, '2-reply-blocked.png'), fullPage: true });

  await page.fill('#reply-text', env('FIXED_REPLY'));
  await page.click('#send-reply');
  await page.waitForSelector('#reply-status[data-state="sent"]');
  await page.waitForSelector('#thread li.reply-sent');
  step('fixed reply sent');
  await page.screenshot({ path: path.join(shots, '3-reply-sent.png'), fullPage: true });
}, () => stdin.close());
