// Full page loads of aimap serve in Debian's Chromium (run by benches/serve.sh;
// it lives here to share node_modules with the browser test):
// median navigation timing (time to first byte, DOMContentLoaded, load) of
// each page over N fresh loads, as JSON lines.
import { chromium } from "playwright-core";

const [base, rounds = "10", ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const path of paths.length ? paths : ["/", "/findings", "/services"]) {
    const ttfb = [], dcl = [], load = [];
    for (let i = 0; i < Number(rounds); i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(base + path, { waitUntil: "load" });
      const t = await page.evaluate(() => JSON.parse(JSON.stringify(performance.getEntriesByType("navigation")[0])));
      ttfb.push(t.responseStart - t.startTime);
      dcl.push(t.domContentLoadedEventEnd - t.startTime);
      load.push(t.loadEventEnd - t.startTime);
      await context.close();
    }
    console.log(JSON.stringify({ page: path, ttfb_ms: median(ttfb), dom_ms: median(dcl), load_ms: median(load) }));
  }
} finally {
  await browser.close();
}
