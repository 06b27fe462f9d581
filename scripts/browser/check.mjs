// The dashboard in Debian's chromium, driven by playwright-core: the page
// loads with no request leaving 127.0.0.1 and no console error, the figures
// shown equal the API's for several filter choices, the language switch
// works, figures drill down for admins, the page fits 360 px without
// horizontal scrolling, public tokens see publications with withheld cells
// marked; a screenshot of each view is written under $OUT.
import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");

const BASE = process.env.BASE_URL;
const OUT = process.env.OUT;
const T = { admin: process.env.ADMIN, police: process.env.POLICE, women: process.env.WOMEN,
  viewer: process.env.VIEWER, public: process.env.PUBLIC_TOKEN };
const AREA = "00004"; // Phường Ba Đình, valid from 2025-07-01 (shipped units)

let failures = 0;
function check(ok, what) {
  if (!ok) {
    failures++;
    console.error("browser: FAILED " + what);
  }
}

async function api(method, path, token, body, headers = {}) {
  const resp = await fetch(BASE + path, {
    method,
    headers: { Authorization: "Bearer " + token, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function event(id, kind, day, total, people, extra = {}) {
  return { external_id: id, kind, title: id, topics: ["human_trafficking"], start_date: day, end_date: day,
    area_code: AREA, attendance: { total },
    participants: people.map((p) => ({ id_type: "citizen_id", value: "0013" + String(p).padStart(8, "0") })), ...extra };
}

async function seed() {
  const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
  await api("POST", "/api/v1/events", T.police, event("p1", "training_class", "2025-08-01", 40, range(0, 30)));
  await api("POST", "/api/v1/events", T.police, event("p2", "training_class", "2025-08-10", 25, range(20, 40)));
  await api("POST", "/api/v1/events", T.police, event("p3", "community_meeting", "2025-09-05", 60, range(35, 80)));
  await api("POST", "/api/v1/events", T.women, event("w1", "law_dissemination", "2025-08-02", 50, range(60, 100)));
  await api("POST", "/api/v1/events", T.women, event("w2", "law_dissemination", "2025-09-07", 30, range(0, 10)));
  const joint = await api("POST", "/api/v1/events", T.police,
    event("j1", "campaign_launch", "2025-09-20", 120, range(90, 150), { co_organizers: ["womens-union"] }));
  await api("POST", `/api/v1/events/${joint.id}/claims/womens-union/confirm`, T.women, undefined, { "If-Match": '"1"' });
  await api("POST", "/api/v1/publications", T.admin, { title: "Tháng 8/2025", period: "2025-08" });
  await api("POST", "/api/v1/periods", T.admin, { period: "2025-08", reason: "Báo cáo tháng 8 đã ký" });
}

const vi = (n) => new Intl.NumberFormat("vi-VN").format(n);
const en = (n) => new Intl.NumberFormat("en-US").format(n);

async function rowsOf(page, view) {
  return page.$$eval(`#${view} table tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll("th,td")].map((c) => c.textContent.trim())));
}

async function compare(page, query, label, format) {
  const names = Object.fromEntries((await api("GET", "/api/v1/agencies", T.viewer)).map((a) => [a.code, format === vi ? a.name : a.name_en]));
  const byAgency = await api("GET", "/api/v1/aggregates?group_by=agency" + (query ? "&" + query : ""), T.viewer);
  const shown = await rowsOf(page, "v-agency");
  for (const r of byAgency.rows) {
    const row = shown.find((s) => s[0] === names[r.agency]);
    check(row && row[1] === format(r.events) && row[2] === format(r.attendances) && row[3] === format(r.unique_participants),
      `${label}: agency ${r.agency} shows ${JSON.stringify(row)}, the API says ${r.events}/${r.attendances}/${r.unique_participants}`);
  }
  check(shown.length === byAgency.rows.length + 1, `${label}: one row per agency and the total`);
  const total = shown[shown.length - 1];
  check(total[1] === format(byAgency.totals.events) && total[2] === format(byAgency.totals.attendances)
    && total[3] === format(byAgency.totals.unique_participants), `${label}: totals ${JSON.stringify(total)}`);
  const byMonth = await api("GET", "/api/v1/aggregates?group_by=period:month" + (query ? "&" + query : ""), T.viewer);
  const months = await rowsOf(page, "v-month");
  byMonth.rows.forEach((r, i) => {
    check(months[i] && months[i][1] === format(r.attendances) && months[i][2] === format(r.unique_participants)
      && months[i][3] === format(r.first_time_participants) && months[i][4] === format(r.cumulative_participants),
      `${label}: month ${r.period} shows ${JSON.stringify(months[i])}`);
  });
  const overlap = await api("GET", "/api/v1/reach/overlap" + (query ? "?" + query : ""), T.viewer);
  const combos = await rowsOf(page, "v-overlap");
  check(combos.length === overlap.combinations.length + 1
    && combos[combos.length - 1][1] === format(overlap.people), `${label}: overlap ${JSON.stringify(combos)}`);
  const freq = await api("GET", "/api/v1/reach/frequency" + (query ? "?" + query : ""), T.viewer);
  const buckets = await rowsOf(page, "v-frequency");
  freq.buckets.forEach((b, i) => check(buckets[i] && buckets[i][1] === format(b.people), `${label}: bucket ${i}`));
}

async function loaded(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById("status").textContent;
    return s === "Đã cập nhật số liệu." || s === "Figures updated." || s.startsWith("Lỗi") || s.startsWith("Error");
  }, null, { timeout: 20000 });
  const s = await page.textContent("#status");
  check(!s.startsWith("Lỗi") && !s.startsWith("Error"), "status: " + s);
}

async function open(browser, token, viewport) {
  const context = await browser.newContext({ viewport, locale: "vi-VN" });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.hostname !== "127.0.0.1") problems.push("external request: " + r.url());
  });
  await page.goto(BASE + "/dashboard/");
  // Keyboard only: focus the token field, type, Enter.
  await page.focus("#token");
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  return { context, page, problems };
}

await seed();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run"],
});
try {
  // A dashboard token, in Vietnamese, several filter choices.
  const { context, page, problems } = await open(browser, T.viewer, { width: 1280, height: 900 });
  await loaded(page);
  check((await page.textContent("h1")) === "Tuyên truyền phòng, chống mua bán người", "Vietnamese by default");
  await compare(page, "", "everything", vi);
  for (const view of ["v-agency", "v-kind", "v-month", "v-overlap", "v-frequency", "v-area"]) {
    await page.locator("#" + view).screenshot({ path: `${OUT}/${view}.png` });
  }
  await page.selectOption("#f-agency", "police");
  await page.click("#apply");
  await loaded(page);
  await compare(page, "agency=police", "agency=police", vi);
  await page.selectOption("#f-agency", "");
  await page.fill("#f-from", "2025-09-01");
  await page.fill("#f-to", "2025-09-30");
  await page.click("#apply");
  await loaded(page);
  await compare(page, "from=2025-09-01&to=2025-09-30", "September", vi);
  // The area table: a province, then its units on a click.
  await page.fill("#f-from", "");
  await page.fill("#f-to", "");
  await page.click("#apply");
  await loaded(page);
  const provinces = await api("GET", "/api/v1/aggregates?group_by=area:province", T.viewer);
  const province = provinces.rows[0];
  await page.click(`#v-area tbody button.link >> text="${province.province_name}"`);
  await page.waitForSelector("#area-back:not([hidden])", { timeout: 10000 });
  let below = await api("GET", `/api/v1/aggregates?group_by=area:district&area=${province.province}`, T.viewer);
  let key = "district";
  if (below.rows.every((r) => !r.district)) {
    below = await api("GET", `/api/v1/aggregates?group_by=area:commune&area=${province.province}`, T.viewer);
    key = "commune";
  }
  const units = await rowsOf(page, "v-area");
  for (const r of below.rows) {
    const row = units.find((u) => u[0] === r[key + "_name"]);
    check(row && row[1] === vi(r.events) && row[2] === vi(r.attendances) && row[3] === vi(r.unique_participants),
      `area ${r[key]}: ${JSON.stringify(row)}`);
  }
  await page.locator("#v-area").screenshot({ path: `${OUT}/v-area-units.png` });
  await page.click("#area-back");
  // The report for signing, downloaded as Markdown: the service's figures.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#report-md")]);
  const { readFile } = await import("node:fs/promises");
  const md = await readFile(await download.path(), "utf8");
  const totals = (await api("GET", "/api/v1/aggregates", T.viewer)).totals;
  check(md.includes(`Toàn tỉnh đã tổ chức ${vi(totals.events)} hoạt động`)
    && md.includes(`với ${vi(totals.attendances)} lượt người tham dự`), "report: " + md.slice(0, 400));
  // An area found by its name without accents.
  await page.fill("#f-from", "");
  await page.fill("#f-to", "");
  await page.fill("#f-area-q", "ba dinh");
  await page.waitForSelector("#f-area-results button", { timeout: 10000 });
  const choice = await page.textContent("#f-area-results button");
  check(/Ba Đình/.test(choice), "accent-insensitive area search: " + choice);
  await page.click("#f-area-results button");
  await page.click("#apply");
  await loaded(page);
  const code = choice.match(/\(([^)]+)\)$/)[1];
  await compare(page, "area=" + code, "area=" + code, vi);
  // English.
  await page.click("#lang");
  await loaded(page);
  check((await page.textContent("h1")) === "Anti-human-trafficking outreach", "English title");
  await compare(page, "area=" + code, "English", en);
  await page.screenshot({ path: `${OUT}/dashboard-en.png`, fullPage: true });
  check(problems.length === 0, "viewer page: " + problems.join("; "));
  await context.close();

  // An admin drills down from a figure.
  {
    const { context, page, problems } = await open(browser, T.admin, { width: 1280, height: 900 });
    await loaded(page);
    const link = page.locator("#v-agency tbody tr:first-child a.fig").first();
    const shown = await link.textContent();
    await link.click();
    await page.waitForSelector("#drill:not([hidden]) table", { timeout: 10000 });
    const caption = await page.textContent("#drill caption");
    check(caption.startsWith(shown + " "), `drill-down lists ${caption} for a row of ${shown} activities`);
    await page.locator("#drill").screenshot({ path: `${OUT}/drill.png` });
    check(problems.length === 0, "admin page: " + problems.join("; "));
    await context.close();
  }

  // 360 px wide: no horizontal scrolling.
  {
    const { context, page, problems } = await open(browser, T.viewer, { width: 360, height: 800 });
    await loaded(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 360, "360 px: the page is " + width + " px wide");
    await page.screenshot({ path: `${OUT}/dashboard-360.png`, fullPage: true });
    check(problems.length === 0, "360 px page: " + problems.join("; "));
    await context.close();
  }

  // August is locked (issue 28): the live figures say so, in plain words,
  // and the signed publication is one click away.
  {
    const { context, page, problems } = await open(browser, T.viewer, { width: 1280, height: 900 });
    await loaded(page);
    check(await page.isVisible("#locked"), "the locked-period notice is shown");
    const text = await page.textContent("#locked-text");
    check(text.includes("tháng 8/2025") && text.startsWith("Kỳ đã khoá sổ"), "locked notice: " + text);
    await page.locator("#locked").screenshot({ path: `${OUT}/locked.png` });
    await page.click("#locked-pub");
    await page.waitForSelector("#publications:not([hidden]) #pub-body table", { timeout: 20000 });
    // September alone covers no locked period: no notice.
    await page.fill("#f-from", "2025-09-01");
    await page.fill("#f-to", "2025-09-30");
    await page.click("#apply");
    await loaded(page);
    check(!(await page.isVisible("#locked")), "no notice outside locked periods");
    // August's own dates: its signed figures come first, labelled, the
    // live ones one click away (and back).
    await page.fill("#f-from", "2025-08-01");
    await page.fill("#f-to", "2025-08-31");
    await page.click("#apply");
    await page.waitForSelector("#pub-mode:not([hidden])", { timeout: 20000 });
    await loaded(page);
    check(await page.isHidden("#views"), "a locked period shows its publication first");
    check((await page.inputValue("#pub-select")).startsWith("2025-08|"), "the period's own publication is chosen");
    const signed = await page.textContent("#pub-mode-text");
    check(signed.startsWith("Số liệu tháng 8/2025 đã khoá sổ và đã công bố"), "signed label: " + signed);
    await page.locator("#publications").screenshot({ path: `${OUT}/signed.png` });
    await page.click("#pub-live");
    await page.waitForSelector("#views:not([hidden])", { timeout: 20000 });
    await loaded(page);
    check(await page.isHidden("#publications"), "live figures replace the publication");
    const live = await page.textContent("#locked-text");
    check(live.startsWith("Đây là số liệu hiện thời của tháng 8/2025"), "live label: " + live);
    await page.locator("#locked").screenshot({ path: `${OUT}/live.png` });
    await page.click("#locked-pub");
    await page.waitForSelector("#pub-mode:not([hidden])", { timeout: 20000 });
    check(await page.isHidden("#views"), "back to the signed figures");
    check(problems.length === 0, "locked page: " + problems.join("; "));
    await context.close();
  }

  // A public token reads the publication, withheld cells marked.
  {
    const { context, page, problems } = await open(browser, T.public, { width: 1280, height: 900 });
    await page.waitForSelector("#publications:not([hidden]) #pub-body table", { timeout: 20000 });
    const pub = await api("GET", "/api/v1/publications/2025-08", T.public);
    const cells = await page.$$eval("#pub-body td", (tds) => tds.map((t) => [t.textContent.trim(), t.className]));
    const withheld = pub.tables.flatMap((t) => [...t.rows.map((r) => r.suppressed), t.totals.suppressed])
      .flat().filter((m) => ["events", "attendances", "unique_participants"].includes(m)).length;
    check(cells.filter(([, c]) => c.includes("suppressed")).length === withheld,
      `public: ${withheld} withheld cells marked`);
    check(cells.every(([text, c]) => !c.includes("suppressed") || text === "không công bố"), "withheld cells say so");
    check((await page.isHidden("#views")), "public: no ad-hoc views");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#pub-report-md")]);
    const { readFile } = await import("node:fs/promises");
    const report = await readFile(await dl.path(), "utf8");
    check(report.includes("Số liệu theo bản công bố kỳ 2025-08, phiên bản 1"), "public report: " + report.slice(0, 300));
    await page.locator("#publications").screenshot({ path: `${OUT}/publications.png` });
    check(problems.length === 0, "public page: " + problems.join("; "));
    await context.close();
  }
} finally {
  await browser.close();
}
if (failures) {
  console.error(`browser: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("browser: every check passed; screenshots in " + OUT);
