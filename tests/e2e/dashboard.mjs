// Drives `aimap serve` in the system Chromium through playwright-core.
// Run by tests/serve_e2e.rs, which starts the servers, fills the store with
// real scans and passes what the pages must show in AIMAP_E2E (JSON):
//   { base, tokenBase, token, shots, chromium, services, criticals,
//     newHost, goneHost, changedHost, scanRun }
// Every request the page makes must stay on the server's own origin (the
// dashboard works offline), and no console error (a CSP violation logs
// one) may appear. Exits non-zero with the first failed expectation.
import { chromium } from "playwright-core";

const cfg = JSON.parse(process.env.AIMAP_E2E);
const fail = (msg) => {
  throw new Error(msg);
};
const expect = (cond, msg) => cond || fail(msg);

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: ["--no-sandbox", "--disable-gpu"],
});
let step = "start";
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e}`));
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(cfg.base) && !url.startsWith(cfg.tokenBase) && !url.startsWith("data:")) {
      problems.push(`request off the server: ${url}`);
    }
  });
  const shot = (name) => page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage: true });

  step = "overview";
  let resp = await page.goto(`${cfg.base}/`);
  expect(resp.status() === 200, `overview status ${resp.status()}`);
  const services = await page.textContent('[data-card="Services"] .n');
  expect(services.trim() === String(cfg.services), `overview shows ${services} services, expected ${cfg.services}`);
  expect(await page.locator("svg.chart circle").count() >= 2, "the trend chart has a point per run");
  expect(await page.locator("#products tbody tr").count() >= 2, "exposed services by product");
  await shot("01-overview");

  step = "filter findings";
  await page.click('nav a[href="/findings"]');
  await page.selectOption("#f-severity", "high");
  await Promise.all([page.waitForURL(/severity=high/), page.click("#apply")]);
  const sevs = await page.locator("#findings tbody .sev").allTextContents();
  expect(sevs.length === cfg.criticals, `${sevs.length} high or critical findings listed, expected ${cfg.criticals}`);
  expect(sevs.every((s) => s === "critical" || s === "high"), `filter let through: ${sevs}`);
  const csv = await page.getAttribute("#export-csv", "href");
  expect(csv.includes("severity=high") && csv.includes("format=csv"), `export link keeps the filter: ${csv}`);
  const exported = await page.request.get(new URL(csv, cfg.base).href);
  expect(exported.headers()["content-type"].startsWith("text/csv"), "CSV export");
  // Rows end in CRLF (RFC 4180); a quoted cell may hold a bare LF (evidence
  // lists one capability per line).
  expect((await exported.text()).trim().split("\r\n").length === cfg.criticals + 1, "CSV has a row per finding");
  await shot("02-findings-high");

  step = "open a finding";
  await Promise.all([page.waitForURL(/\/findings\/.+/), page.click("#findings tbody a.finding >> nth=0")]);
  expect(await page.isVisible("#evidence"), "evidence shown");
  expect((await page.textContent("#remediation")).trim().length > 10, "remediation shown");
  expect(await page.locator("#seen-in tbody tr").count() >= 1, "runs that saw it");
  await shot("03-finding");

  step = "follow a diff";
  await page.goto(`${cfg.base}/runs/${cfg.scanRun}`);
  await Promise.all([page.waitForURL(/\/diff\?/), page.click("#diff-previous")]);
  const text = async (sel) => (await page.locator(sel).allTextContents()).join(" ");
  expect((await text("#services-new")).includes(cfg.newHost), `diff: new ${cfg.newHost}`);
  expect((await text("#services-gone")).includes(cfg.goneHost), `diff: gone ${cfg.goneHost}`);
  const changed = await text("#services-changed");
  expect(changed.includes(cfg.changedHost) && changed.includes("auth"), `diff: auth changed on ${cfg.changedHost}: ${changed}`);
  await shot("04-diff");

  step = "services filter";
  await page.goto(`${cfg.base}/services`);
  await page.selectOption("#f-auth", "none");
  await Promise.all([page.waitForURL(/auth=none/), page.click("#apply")]);
  const auths = await page.locator("#services tbody .auth").allTextContents();
  expect(auths.length > 0 && auths.every((a) => a === "none"), `auth filter: ${auths}`);
  await shot("05-services-open");

  step = "token: refused without it";
  const guest = await browser.newContext();
  const gpage = await guest.newPage();
  resp = await gpage.goto(`${cfg.tokenBase}/findings`);
  expect(resp.status() === 401, `unauthenticated page load answered ${resp.status()}`);
  expect(await gpage.isVisible("#login"), "the login form is shown");
  expect((await gpage.content()).indexOf("ollama-unauthenticated") < 0, "no data before login");
  const api = await gpage.request.get(`${cfg.tokenBase}/api/v1/overview`);
  expect(api.status() === 401, `unauthenticated API call answered ${api.status()}`);
  await gpage.screenshot({ path: `${cfg.shots}/06-login.png` });
  await gpage.fill("#token", "not-the-token-at-all");
  await gpage.click("#login-submit");
  const refusal = await gpage.textContent(".error");
  expect(refusal.includes("Wrong token"), `a wrong token is refused: ${refusal}`);

  step = "token: login";
  await gpage.fill("#token", cfg.token);
  await Promise.all([gpage.waitForURL(/\/findings$/), gpage.click("#login-submit")]);
  expect(await gpage.locator("#findings tbody tr").count() > 0, "findings after login");
  expect(await gpage.isVisible("header .logout button"), "a logout button");
  await gpage.screenshot({ path: `${cfg.shots}/07-after-login.png`, fullPage: true });
  await Promise.all([gpage.waitForURL(/\/login$/), gpage.click("header .logout button")]);
  resp = await gpage.goto(`${cfg.tokenBase}/`);
  expect(resp.status() === 401, "logged out");

  expect(problems.length === 0, problems.join("\n"));
  console.log("dashboard e2e: all checks passed");
} catch (e) {
  console.error(`dashboard e2e failed at "${step}": ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
