// Debian's Chromium, headless, with the flags this machine's closed network needs; never a
// downloaded browser. CHROMIUM overrides the path (default /usr/bin/chromium).
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// Runs a scenario with a fresh browser and prints what it recorded as one JSON line on stdout
// (ok: true, or ok: false with the error), which the JUnit side asserts on.
export async function runAndReport(scenario) {
  const browser = await launchChromium();
  const result = {};
  try {
    await scenario(browser, result);
    result.ok = true;
  } catch (e) {
    result.ok = false;
    result.error = String(e && e.stack || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
}
