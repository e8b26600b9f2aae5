// Signs in to the auditor page as a person would, in Debian's headless Chromium, and reports what
// it saw as one JSON line on stdout (the JUnit test AuditorPageBrowserTest asserts on it and on the
// screenshots). Never downloads a browser.
//
// env: APP_URL (e.g. http://localhost:8181), QUERY (query string for /auditor), SHADOW_DECISION (a
// decision with a shadow part), OUT (directory for screenshots), CHROMIUM (default /usr/bin/chromium)
import { runAndReport } from './chromium.mjs';

const app = process.env.APP_URL;
const out = process.env.OUT;
const query = process.env.QUERY || '';


async function signIn(page, user, password) {
  await page.waitForSelector('#username', { timeout: 60000 });
  await page.fill('#username', user);
  await page.fill('#password', password);
  // Keycloak redirects to Quarkus, which exchanges the code and redirects once more to the page
  // first asked for: wait for that page's own answer (200, or 403 without the role).
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.url().startsWith(`${app}/auditor`) && r.request().isNavigationRequest()
        && r.status() !== 302 && r.status() !== 303,
      { timeout: 60000 }),
    page.click('#kc-login'),
  ]);
  await page.waitForLoadState('load');
  return response;
}

await runAndReport(async (browser, result) => {
  // An auditor signs in and sees the charts and the decisions.
  const auditor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await auditor.newPage();
  await page.goto(`${app}/auditor?${query}`);
  result.loginPage = new URL(page.url()).pathname;
  await signIn(page, 'aldo', 'aldo-password');
  await page.waitForSelector('#decision-table', { timeout: 30000 });
  result.overviewUrl = page.url();
  result.user = (await page.textContent('#user')).trim();
  result.title = await page.title();
  result.tiles = await page.$$eval('#tiles .tile', (ts) =>
    Object.fromEntries(ts.map((t) => [t.querySelector('.l').textContent.trim(), t.querySelector('.v').textContent.trim()])));
  result.bars = {};
  for (const id of ['chart-outcomes', 'chart-scores', 'chart-overrides', 'chart-drift', 'chart-subgroups']) {
    result.bars[id] = await page.$$eval(`#${id} svg.chart rect`, (rs) => rs.filter((r) => Number(r.getAttribute('height')) > 0 && Number(r.getAttribute('width')) > 0).length);
  }
  result.psiLabels = await page.$$eval('#chart-drift svg.chart text.value', (ts) => ts.map((t) => t.textContent));
  result.driftNote = await page.$$eval('#chart-drift p', (ps) => ps.map((p) => p.textContent.trim()));
  result.decisionRows = await page.$$eval('#decision-table tr', (rs) => rs.length - 1);
  // Where the charts are on the screenshot, for the pixel check.
  result.chartBoxes = {};
  for (const id of ['chart-outcomes', 'chart-scores', 'chart-drift']) {
    const chart = await page.$(`#${id} svg.chart`);
    result.chartBoxes[id] = chart ? await chart.boundingBox() : null;
  }
  await page.screenshot({ path: `${out}/auditor-overview.png`, fullPage: true });

  // One decision in full, then its replay.
  // The newest scored decision.
  await Promise.all([
    page.waitForNavigation(),
    page.click('#decision-table tr:has(.badge.scored) a'),
  ]);
  await page.waitForSelector('#inputs');
  result.decisionUrl = page.url();
  result.inputRows = await page.$$eval('#inputs tr', (rs) => rs.length - 1);
  result.attributionBars = await page.$$eval('svg.chart rect', (rs) => rs.length);
  await page.screenshot({ path: `${out}/auditor-decision.png`, fullPage: true });
  const replayUrl = await page.getAttribute('#replay', 'href');
  const replayResponse = await page.goto(new URL(replayUrl, page.url()).toString());
  result.replayStatus = replayResponse.status();
  if (replayResponse.status() !== 200) {
    throw new Error(`replay page answered ${replayResponse.status()}: ${await page.content()}`);
  }
  result.replay = (await page.textContent('#replay-result .badge')).trim();

  // The shadow rollout page, and the shadow part of one decision.
  await page.goto(`${app}/auditor/shadow?service=kfre`);
  await page.waitForSelector('#pair-0', { timeout: 30000 });
  result.shadow = {};
  result.shadow.heading = (await page.textContent('#pair-0 h2')).trim();
  result.shadow.tiles = await page.$$eval('#pair-0 .tile', (ts) =>
    Object.fromEntries(ts.map((t) => [t.querySelector('.l').textContent.trim(), t.querySelector('.v').textContent.trim()])));
  result.shadow.bandRows = await page.$$eval('#pair-0 table.bands tr', (rs) => rs.length - 1);
  result.shadow.differences = await page.$$eval('#pair-0 table.differences tr', (rs) => rs.map((r) => r.textContent.trim()));
  await page.screenshot({ path: `${out}/auditor-shadow.png`, fullPage: true });
  await page.goto(`${app}/auditor/decisions/${process.env.SHADOW_DECISION}`);
  result.shadow.decisionPanel = (await page.textContent('#shadow')).trim();

  // The chain check.
  await page.goto(`${app}/auditor/chain`);
  result.chain = (await page.textContent('#chain-result .badge')).trim();
  await auditor.close();

  // Someone without the auditor role signs in and is refused.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await page2.goto(`${app}/auditor`);
  const refused = await signIn(page2, 'nora', 'nora-password');
  result.noRoleStatus = refused.status();
  result.noRoleText = (await page2.textContent('body')).trim();
  await page2.screenshot({ path: `${out}/auditor-forbidden.png` });
  await other.close();
});
