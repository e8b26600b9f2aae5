// Opens an imaging decision's explanation page from the link on its card, as a clinician would
// from the EHR, in Debian's headless Chromium; reports what it saw as one JSON line on stdout
// (asserted by ImagingServiceTest) and writes a screenshot. Never downloads a browser.
//
// env: LINK (the card's explanation link), SHOT (screenshot file name), OUT, CHROMIUM
import { runAndReport } from './chromium.mjs';

await runAndReport(async (browser, result) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const response = await page.goto(process.env.LINK);
  result.status = response.status();
  result.title = await page.title();
  result.notice = (await page.textContent('#notice')).trim();
  result.probability = (await page.textContent('#risk')).trim();
  result.band = (await page.textContent('#band')).trim();
  result.warning = (await page.$('#image-warning')) ? (await page.textContent('#image-warning')).trim() : null;
  const img = await page.$('#overlay-image');
  result.overlayLoaded = img ? await img.evaluate((i) => i.complete && i.naturalWidth > 0) : false;
  result.overlayBox = img ? await img.boundingBox() : null;
  result.imageText = (await page.textContent('#image')).replace(/\s+/g, ' ');
  result.preprocessingText = (await page.textContent('#preprocessing')).replace(/\s+/g, ' ');
  await page.screenshot({ path: `${process.env.OUT}/${process.env.SHOT}`, fullPage: true });
});
