// Opens a decision's explanation page from the link on its card, as a clinician would from the
// EHR, in Debian's headless Chromium; reports what it saw as one JSON line on stdout (asserted by
// ExplanationPageBrowserTest) and writes a screenshot. Never downloads a browser.
//
// env: LINK (the card's explanation link), TAMPERED, EXPIRED (links that must be refused), OUT,
// CHROMIUM (default /usr/bin/chromium)
import { runAndReport } from './chromium.mjs';

await runAndReport(async (browser, result) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const response = await page.goto(process.env.LINK);
  result.status = response.status();
  result.cacheControl = response.headers()['cache-control'];
  result.title = await page.title();
  result.risk = (await page.textContent('#risk')).trim();
  result.band = (await page.textContent('#band')).trim();
  result.contributionBars = await page.$$eval('#contributions svg.chart rect', (rs) => rs.length);
  result.contributionLabels = await page.$$eval('#contributions svg.chart text.label', (ts) => ts.map((t) => t.textContent));
  result.whatIf = await page.$$eval('#what-if-table tr', (rs) => rs.slice(1).map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent.trim())));
  result.inputs = await page.$$eval('#inputs tr', (rs) => rs.slice(1).map((r) => r.querySelector('td').textContent.trim()));
  result.modelText = (await page.textContent('#model')).replace(/\s+/g, ' ');
  const box = await (await page.$('#contributions svg.chart')).boundingBox();
  result.contributionBox = box;
  await page.screenshot({ path: `${process.env.OUT}/explanation.png`, fullPage: true });
  for (const name of ['TAMPERED', 'EXPIRED']) {
    const r = await page.goto(process.env[name]);
    result[name.toLowerCase()] = { status: r.status(), text: (await page.textContent('body')).trim() };
  }
});
