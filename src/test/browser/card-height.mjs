// Renders the golden cards' Markdown as a CDS Hooks client shows it (a card column about 600 px
// wide, 14 px system font; CommonMark by marked) in Debian's headless Chromium and reports each
// card's height as one JSON line on stdout (asserted by CardHeightBrowserTest); writes a screenshot
// per card. Never downloads a browser.
//
// env: GOLDEN (folder of golden card responses), OUT, CHROMIUM (default /usr/bin/chromium)
import fs from 'node:fs';
import path from 'node:path';
import { marked } from 'marked';
import { runAndReport } from './chromium.mjs';

const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

await runAndReport(async (browser, result) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  result.cards = {};
  for (const file of fs.readdirSync(process.env.GOLDEN).filter((f) => f.endsWith('.json')).sort()) {
    const card = JSON.parse(fs.readFileSync(path.join(process.env.GOLDEN, file), 'utf8')).cards[0];
    await page.setContent(`<!DOCTYPE html><html><body style="font:14px system-ui,sans-serif;margin:16px">
      <div id="card" style="width:600px;border:1px solid #ccc;border-left:4px solid #888;padding:0 12px">
      <h3>${escape(card.summary)}</h3>${marked.parse(card.detail)}
      <p><a href="#">${escape(card.links[0].label)}</a></p></div></body></html>`);
    const box = await page.locator('#card').boundingBox();
    const name = file.replace(/\.json$/, '');
    await page.locator('#card').screenshot({ path: path.join(process.env.OUT, `card-${name}.png`) });
    result.cards[name] = Math.round(box.height);
  }
});
