// Shared start-up of the browser scripts: environment, a headless Chromium
// with a fresh profile, the page, console-error capture, and the run
// wrapper that prints "DONE" or "FAIL …" (with a failure screenshot) for
// the Go test that reads the script's output.
import { chromium } from 'playwright-core';
import path from 'node:path';

export const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
export const step = (s) => console.log(`STEP ${s}`);

// open starts Chromium (CHROMIUM, USER_DATA_DIR) and returns the context,
// its page and the console errors collected so far (script errors and CSP
// violations; refused API calls are not errors of the page).
export async function open(viewport = { width: 1200, height: 900 }) {
  const context = await chromium.launchPersistentContext(env('USER_DATA_DIR'), {
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--disable-component-update', '--disable-sync'],
    viewport,
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`Content Security Policy or script error: ${e}`));
  return { context, page, consoleErrors };
}

// run runs body, then prints DONE, or FAIL with the first line of the error
// after a screenshot in SCREENSHOT_DIR; it always closes the browser.
export async function run({ context, page, consoleErrors }, body, cleanup = () => {}) {
  try {
    await body();
    if (consoleErrors.length > 0) throw new Error(`console errors: ${consoleErrors.join(' | ')}`);
    console.log('DONE');
  } catch (err) {
    try { await page.screenshot({ path: path.join(env('SCREENSHOT_DIR'), 'failure.png'), fullPage: true }); } catch { /* ignore */ }
    console.log(`FAIL ${String(err && err.message || err).split('\n')[0]}`);
    process.exitCode = 1;
  } finally {
    cleanup();
    await context.close();
  }
}
