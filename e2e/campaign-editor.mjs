// Drives the campaign editor in headless Chromium for
// cmd/rapport/campaign_browser_test.go: a marketer signs in, watches the
// audience count follow the filters, writes two segment variants beside
// their playbooks, is blocked by the pre-launch checks (no unsubscribe
// link), fixes the variants and launches. Prints "STEP …" lines, "COUNT
// <all> <ticked>", "LAUNCHED <status>" and "DONE", or "FAIL …".
//
// Environment: RAPPORT_URL, RAPPORT_ORG, MARKETER_EMAIL, RAPPORT_PASSWORD,
// SCREENSHOT_DIR, CHROMIUM, USER_DATA_DIR.
import path from 'node:path';
import { env, step, open, run } from './harness.mjs';

const base = env('RAPPORT_URL');
const shots = env('SCREENSHOT_DIR');
const browser = await open({ width: 1200, height: 1000 });
const { page } = browser;
page.on('dialog', (d) => d.accept());

// settledCount waits until the live count has settled and returns it.
async function settledCount() {
  await page.waitForSelector('#audience-count[data-state="done"]');
  return Number(await page.getAttribute('#audience-count', 'data-total'));
}

await run(browser, async () => {
  await page.goto(`${base}/login?next=/app/campaigns/new`);
  await page.fill('#org', env('RAPPORT_ORG'));
  await page.fill('#email', env('MARKETER_EMAIL'));
  await page.fill('#password', env('RAPPORT_PASSWORD'));
  await page.click('#login-submit');
  await page.waitForURL(/\/app\/campaigns\/new$/);
  await page.waitForSelector('#c-segments input[type="checkbox"]');
  const all = await settledCount();
  step(`signed in; audience of every segment: ${all}`);

  await page.check('#c-segments input[value="planner"]');
  await page.check('#c-segments input[value="caregiver"]');
  await page.waitForFunction((n) => {
    const c = document.getElementById('audience-count');
    return c.dataset.state === 'done' && Number(c.dataset.total) !== n;
  }, all);
  const ticked = await settledCount();
  const bySegment = await page.locator('#audience-by-segment li').evaluateAll((ls) => ls.map((l) => l.dataset.segment));
  step(`ticked planner and caregiver: ${ticked} (${bySegment.join(',')})`);
  console.log(`COUNT ${all} ${ticked}`);
  const variants = await page.locator('#variants .variant').evaluateAll((vs) => vs.map((v) => v.dataset.segment));
  if (variants.join(',') !== 'planner,caregiver' && variants.join(',') !== 'caregiver,planner') {
    throw new Error(`variants shown for ${variants}`);
  }
  const playbook = await page.locator('#variants .variant[data-segment="planner"] .playbook').textContent();
  if (!/Playbook/.test(playbook) || playbook.length < 40) throw new Error(`no playbook beside the variant: ${playbook}`);
  step('a variant per ticked segment, each beside its playbook');

  await page.fill('#c-name', 'Flu shots');
  const write = async (seg, subject, text, arm = 'A') => {
    const v = page.locator(`#variants .variant[data-segment="${seg}"] .arm[data-arm="${arm}"]`);
    await v.locator('input[name="subject"]').fill(subject);
    await v.locator('textarea[name="text"]').fill(text);
  };
  await write('planner', 'Your flu shot plan', 'Hi {{first_name|there}}, book your flu shot and stay on track. {{postal_address}}');
  await write('caregiver', 'Ten minutes, no wait', 'Hi {{first_name|there}}, a flu shot takes ten minutes. {{postal_address}}');
  await page.click('#preview-campaign');
  await page.waitForSelector('#campaign-status[data-state="blocked"]');
  const codes = await page.locator('#preview-variants li[data-severity="blocker"]').evaluateAll((ls) => ls.map((l) => l.dataset.code));
  if (!codes.includes('email_no_unsubscribe')) throw new Error(`not blocked for the missing unsubscribe link: ${codes}`);
  if (!(await page.isDisabled('#launch-campaign'))) throw new Error('launch offered while blocked');
  step(`preview blocked: ${[...new Set(codes)].join(',')}`);
  await page.screenshot({ path: path.join(shots, 'campaign-1-blocked.png'), fullPage: true });

  await write('planner', 'Your flu shot plan', 'Hi {{first_name|there}}, book your flu shot and stay on track.\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}');
  await write('caregiver', 'Ten minutes, no wait', 'Hi {{first_name|there}}, a flu shot takes ten minutes.\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}');
  // An A/B test within the planner segment.
  await page.click('#variants .variant[data-segment="planner"] .add-arm');
  await write('planner', 'Your numbers: flu shot due', 'Hi {{first_name|there}}, your flu shot is due; it cuts your risk by half.\n{{postal_address}}\nUnsubscribe: {{unsubscribe_url}}', 'B');
  await page.click('#preview-campaign');
  await page.waitForSelector('#campaign-status[data-state="ready"]');
  const rendered = await page.locator('#preview-variants .preview-variant[data-segment="planner"][data-arm="A"] .rendered').textContent();
  if (!/Hi Alex/.test(rendered) || /\{\{/.test(rendered)) throw new Error(`preview not rendered with sample values: ${rendered}`);
  const arms = await page.locator('#preview-variants .preview-variant[data-segment="planner"]').evaluateAll((ls) => ls.map((l) => l.dataset.arm));
  if (arms.join(',') !== 'A,B') throw new Error(`planner arms previewed: ${arms}`);
  step('checks passed after the fix, with an A/B test in planner');
  await page.screenshot({ path: path.join(shots, 'campaign-2-ready.png'), fullPage: true });

  await page.click('#launch-campaign');
  await page.waitForSelector('#campaign-status[data-state="launched"]');
  const status = (await page.textContent('#campaign-status')).trim();
  const id = await page.getAttribute('#campaign-form', 'data-campaign-id');
  step(status);
  console.log(`LAUNCHED ${id}`);
  await page.screenshot({ path: path.join(shots, 'campaign-3-launched.png'), fullPage: true });
  await page.click('nav a[href="/app/campaigns"]');
  const row = page.locator(`#campaign-list tr[data-campaign-id="${id}"]`);
  await row.waitFor();
  const listed = await row.getAttribute('data-status');
  const waiting = Number(await row.locator('td.pending').textContent()) + Number(await row.locator('td.holdout').textContent());
  if (listed !== 'launched' || waiting !== 8) throw new Error(`campaign list shows ${listed} with ${waiting} waiting or held out`);
  step(`listed as launched with ${waiting} deliveries waiting or held out`);
  await page.screenshot({ path: path.join(shots, 'campaign-4-list.png'), fullPage: true });
});
