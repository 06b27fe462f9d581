// The dashboard in Debian's chromium, driven by playwright-core: the page
// loads with no request leaving 127.0.0.1, no console error and no error
// answer it did not expect; people sign in with a password on a Vietnamese
// sign-in screen (a clerk and an official: who they are shown in the header,
// a reload keeps them in, signing out ends the session, a wrong password is
// said in Vietnamese and keeps the form, a lost session brings the form
// back, the warning before the session ends renews it or says to sign in
// again; a person turns on two-step verification from the header: a QR
// code and the key in groups of four, a wrong code refused in Vietnamese,
// ten recovery codes, then a code asked at every sign-in; a deployment that
// requires it of admins shows that screen before anything else); tokens
// are the second choice and their figures equal the API's
// for several filter choices, the language switch works, figures drill down
// for admins, the page fits 360 px without horizontal scrolling, public
// tokens see publications with withheld cells marked; the seed's own
// figures, computed here from what was posted (issue 31), are shown:
// sessions as the activity count, identified people with their share
// ("≥" when a record covers several sessions) and their range of different
// people (one number when it collapses; "không quá N" in publications),
// mass media apart with its audience and never in the person-times; no
// text under 10 px and no table scrolling sideways at 360 px; issue 33:
// the figures open on the current quarter and say what they are (the
// period and area in a headline, every total named by its scope), an
// official picks "Quý III/2024" and Bắc Kạn by name and reads figures
// computed here from the seed (headline, agency × district table, sex and
// under 18), downloads the Word, PDF and Excel files through the buttons,
// a unit gone with the 2025 reform is said so, a clerk's figures are her
// agency's own; a screenshot of each screen is written under $OUT.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");

const BASE = process.env.BASE_URL;
const OUT = process.env.OUT;
const T = { admin: process.env.ADMIN, police: process.env.POLICE, women: process.env.WOMEN,
  viewer: process.env.VIEWER, public: process.env.PUBLIC_TOKEN };
const PEOPLE = {
  clerk: { user: process.env.CLERK_USER, password: process.env.CLERK_PASSWORD, name: "Nguyễn Thị Lan",
    role: "Hội Liên hiệp Phụ nữ tỉnh – nhập liệu", token: T.women },
  official: { user: process.env.OFFICIAL_USER, password: process.env.OFFICIAL_PASSWORD, name: "Trần Văn Minh",
    role: "xem số liệu", token: T.viewer },
  // A one-time password after an admin's reset.
  reset: { user: process.env.RESET_USER, password: process.env.RESET_PASSWORD, name: "Lê Thị Thu",
    role: "Công an tỉnh – nhập liệu", token: T.police },
  totp: { user: process.env.TOTP_USER, password: process.env.TOTP_PASSWORD, name: "Đỗ Văn Bình", role: "xem số liệu" },
  disabled: { user: process.env.DISABLED_USER, password: process.env.DISABLED_PASSWORD },
  admin: { user: process.env.ADMIN_USER, password: process.env.ADMIN_PASSWORD, name: "Hoàng Văn Quản", role: "quản trị" },
  // An admin of the second service, which requires admins to use two-step
  // verification (REQUIRE_ADMIN_MFA=true).
  mfaAdmin: { user: process.env.MFA_ADMIN_USER, password: process.env.MFA_ADMIN_PASSWORD, name: "Vũ Văn An",
    role: "quản trị" },
};
// The second service (its own data: this admin only).
const MFA_BASE = process.env.MFA_BASE_URL;
if (!MFA_BASE) throw new Error("check.mjs: MFA_BASE_URL is not set (run it with scripts/browser.sh)");
if (!process.env.D9_BASE_URL || !process.env.D9_VIEWER) throw new Error("check.mjs: D9_BASE_URL is not set (run it with scripts/browser.sh)");
for (const [k, v] of Object.entries({ ...T, ...Object.fromEntries(Object.entries(PEOPLE).flatMap(([p, a]) =>
  [[p + " username", a.user], [p + " password", a.password]])) })) {
  if (!v) throw new Error(`check.mjs: ${k} is not set (run it with scripts/browser.sh)`);
}
const AREA = "00004"; // Phường Ba Đình, valid from 2025-07-01 (shipped units)

let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
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

// The text of a Word file's body (word/document.xml, its tags dropped).
function docxText(path) {
  const xml = execFileSync("unzip", ["-p", path, "word/document.xml"], { maxBuffer: 64 << 20 }).toString("utf8");
  return xml.replace(/<w:tab\/>/g, " ").replace(/<\/w:p>/g, "\n").replace(/<[^>]+>/g, "");
}
// The text of a PDF (pdftotext).
const pdfText = (path) => execFileSync("pdftotext", ["-layout", path, "-"], { maxBuffer: 64 << 20 }).toString("utf8");

const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
const BAC_KAN = [
  { id: "bk1", agency: "police", kind: "community_meeting", day: "2024-07-10", area: "02110", district: "065", total: 60,
    female: 35, male: 25, under18: 10, people: range(1000, 1020) },
  { id: "bk2", agency: "womens-union", kind: "law_dissemination", day: "2024-08-14", area: "02092", district: "065", total: 45,
    female: 40, male: 5, people: range(1015, 1030) },
  { id: "bk3", agency: "police", kind: "training_class", day: "2024-09-05", area: "01891", district: "061", sessions: 2,
    total: 50, under18: 20, people: range(1030, 1040) },
  { id: "bk4", agency: "womens-union", kind: "home_visit", day: "2024-09-20", area: "01888", district: "061", total: 12,
    female: 12, people: range(1040, 1046) },
  { id: "bk5", agency: "police", kind: "community_meeting", day: "2024-10-02", area: "02110", district: "065", total: 30,
    people: [] },
];
const BAC_KAN_Q3 = BAC_KAN.filter((r) => r.day >= "2024-07-01" && r.day <= "2024-09-30");
// The records posted, and what the check expects of them (computed here,
// never read back from the service): who reported them (and co-organised
// them), their sessions, person-times, people counted by the organiser,
// identified people, or, for mass media, items and audience.
const SEED = [
  { id: "p1", agency: "police", kind: "training_class", day: "2025-08-01", total: 40, people: range(0, 30) },
  { id: "p2", agency: "police", kind: "training_class", day: "2025-08-10", total: 25, people: range(20, 40) },
  { id: "p3", agency: "police", kind: "community_meeting", day: "2025-09-05", total: 60, people: range(35, 80) },
  { id: "w1", agency: "womens-union", kind: "law_dissemination", day: "2025-08-02", total: 50, people: range(60, 100) },
  { id: "w2", agency: "womens-union", kind: "law_dissemination", day: "2025-09-07", total: 30, people: range(0, 10) },
  { id: "j1", agency: "police", kind: "campaign_launch", day: "2025-09-20", total: 120, people: range(90, 150),
    co: ["womens-union"] },
  // A term of integrated lessons in one tally: 12 sessions, 600
  // person-times, 200 pupils counted by the school, none identified.
  { id: "t1", agency: "womens-union", kind: "integrated_lesson", day: "2025-09-12", sessions: 12, total: 600,
    declared: 200, people: [] },
  // A month of village meetings: 20 sessions, 2,000 person-times, nobody
  // counted or identified.
  { id: "t2", agency: "police", kind: "community_meeting", day: "2025-09-15", sessions: 20, total: 2000, people: [] },
  // Everyone identified: the range is one number.
  { id: "x1", agency: "police", kind: "extracurricular", day: "2025-09-25", total: 15, people: range(150, 165) },
  // Mass media: items and an estimated audience, no attendance, no people.
  { id: "b1", agency: "womens-union", kind: "media_broadcast", day: "2025-09-18", sessions: 3, audience: 5000 },
  { id: "b2", agency: "police", kind: "loudspeaker", day: "2025-08-20", sessions: 10, audience: 8000 },
  // Bắc Kạn, the third quarter of 2024 (issue 33), in the units of before
  // the 2025 reform: two districts (Chợ Mới: Yên Cư, Thanh Vận; Ba Bể:
  // Bành Trạch, Chợ Rã), two agencies, sex and under-18 reported, five
  // people at both agencies' activities; one more activity in October,
  // outside the quarter.
  ...BAC_KAN,
  // Two units of one code and one name: Thái Nguyên before the 2025
  // reform (a commune of Thành phố Thái Nguyên) and after it.
  { id: "tn1", agency: "police", kind: "community_meeting", day: "2025-05-10", area: "05431", total: 17, people: [] },
  { id: "tn2", agency: "womens-union", kind: "community_meeting", day: "2025-10-10", area: "01840", total: 23, people: [] },
];
const TOKEN_OF = { police: () => T.police, "womens-union": () => T.women };

function body(r) {
  const out = { external_id: r.id, kind: r.kind, title: r.id, topics: ["human_trafficking"], start_date: r.day, end_date: r.day,
    area_code: r.area || AREA };
  if (r.sessions) out.sessions = r.sessions;
  if (r.audience !== undefined) {
    out.audience = { estimate: r.audience, basis: "estimate" };
  } else {
    out.attendance = { total: r.total, ...(r.declared !== undefined ? { declared_people: r.declared } : {}),
      ...(r.female !== undefined ? { female: r.female } : {}), ...(r.male !== undefined ? { male: r.male } : {}),
      ...(r.under18 !== undefined ? { under_18: r.under18 } : {}) };
    out.participants = r.people.map((p) => ({ id_type: "citizen_id", value: "0013" + String(p).padStart(8, "0") }));
  }
  if (r.co) out.co_organizers = r.co;
  return out;
}

async function seed() {
  for (const r of SEED) {
    const made = await api("POST", "/api/v1/events", TOKEN_OF[r.agency](), body(r));
    for (const co of r.co || []) {
      await api("POST", `/api/v1/events/${made.id}/claims/${co}/confirm`, TOKEN_OF[co](), undefined, { "If-Match": '"1"' });
    }
  }
  await api("POST", "/api/v1/publications", T.admin, { title: "Tháng 8/2025", period: "2025-08" });
  await api("POST", "/api/v1/periods", T.admin, { period: "2025-08", reason: "Báo cáo tháng 8 đã ký" });
}

// The figures of some seed records, as issue 31 defines them: sessions and
// person-times of the records that are not mass media, identified people
// (distinct), their share of the person-times, the range of different
// people (at least the identified people and every record's own lower
// bound, its counted people or else person-times per session; at most the
// identified people plus what each record may hold beyond its identified
// ones), and mass media apart.
function expected(records) {
  const sum = (rs, f) => rs.reduce((a, r) => a + f(r), 0);
  const held = records.filter((r) => r.audience === undefined);
  const media = records.filter((r) => r.audience !== undefined);
  const n = (r) => r.people.length;
  const unique = new Set(held.flatMap((r) => r.people)).size;
  const attendances = sum(held, (r) => r.total);
  const identified = sum(held, n);
  const lower = (r) => (r.declared !== undefined ? Math.max(r.declared, n(r)) : Math.max(Math.ceil(r.total / (r.sessions || 1)), n(r)));
  const extra = (r) => (r.declared !== undefined ? Math.max(r.declared, n(r)) : r.total) - n(r);
  return {
    events: records.length,
    sessions: sum(held, (r) => r.sessions || 1),
    attendances,
    unique,
    share: attendances ? Math.round((identified / attendances) * 10000) / 10000 : null,
    // A lower bound where a record covers several sessions; the page
    // cannot tell several broadcast items from several sessions in a
    // row's figures, so either makes it "at least".
    floor: records.some((r) => (r.sessions || 1) > 1),
    reachMin: Math.max(unique, ...held.map(lower)),
    reachMax: unique + sum(held, extra),
    items: sum(media, (r) => r.sessions || 1),
    audience: sum(media, (r) => r.audience),
  };
}
const byAgency = (code) => SEED.filter((r) => r.agency === code || (r.co || []).includes(code));

// Every word of the page in both languages: the same keys, nested tables too.
const { I18N } = await import(new URL("../../dashboard/i18n.js", import.meta.url));
{
  const keys = (o, at = "") => Object.entries(o).flatMap(([k, v]) => (typeof v === "object" ? keys(v, at + k + ".") : [at + k]));
  const [viKeys, enKeys] = [keys(I18N.vi), keys(I18N.en)];
  check(viKeys.length > 100 && viKeys.join() === enKeys.join(),
    "catalog keys differ: " + [...viKeys.filter((k) => !enKeys.includes(k)), ...enKeys.filter((k) => !viKeys.includes(k))]);
}

const vi = (n) => new Intl.NumberFormat("vi-VN").format(n);
const en = (n) => new Intl.NumberFormat("en-US").format(n);

async function rowsOf(page, view) {
  return page.$$eval(`#${view} table tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll("th,td")].map((c) => c.textContent.trim())));
}

// A table's column names and rows (the row's name first).
async function tableOf(page, sel) {
  return page.$eval(`${sel} table`, (tbl) => ({
    head: [...tbl.tHead.rows[0].cells].map((c) => c.textContent.trim()),
    rows: [...tbl.tBodies[0].rows].map((tr) => [...tr.cells].map((c) => c.textContent.trim())),
  }));
}

// A share as the page writes it: one decimal below 10%, else whole; "≥"
// when it is only a lower bound.
function pct(share, format) {
  const p = share * 100;
  const text = p < 10 ? (Math.round(p * 10) / 10).toFixed(1) : String(Math.round(p));
  return (format === vi ? text.replace(".", ",") : text) + "%";
}
const shareCell = (share, floor, format) => (share === null ? "–" : (floor ? "≥ " : "") + pct(share, format));
const rangeCell = (min, max, format) => (min === max ? format(min) : `${format(min)}–${format(max)}`);

// The columns of a table of measures, by their names in `lang`, and a
// row's cells as expected from `m` (the service's answer, or figures
// computed here) with the share written `share`.
function measuresOf(tbl, row, lang) {
  const L = I18N[lang];
  const at = (name) => (tbl.head.indexOf(name) < 0 ? undefined : row[tbl.head.indexOf(name)]);
  return { sessions: at(L.sessions), attendances: at(L.attendances), people: at(L.people), share: at(L.share),
    range: at(L.range), items: at(L.mediaItems), audience: at(L.audience), firstTime: at(L.firstTime),
    cumulative: at(L.cumulative), here: at(L.identifiedHere) };
}

// The figures shown equal the service's answers to `token` (one with the
// same role and agency as the page's reader): sessions, person-times,
// identified people with their share and range, mass media apart.
async function compare(page, query, label, format, token = T.viewer, total = null) {
  const lang = format === vi ? "vi" : "en";
  const names = Object.fromEntries((await api("GET", "/api/v1/agencies", token)).map((a) => [a.code, format === vi ? a.name : a.name_en]));
  const byAgency = await api("GET", "/api/v1/aggregates?group_by=agency" + (query ? "&" + query : ""), token);
  const shown = await tableOf(page, "#v-agency");
  const media = byAgency.totals.media_items > 0 || byAgency.totals.audience > 0;
  const same = (row, r, what) => {
    const m = row && measuresOf(shown, row, lang);
    check(m && m.sessions === format(r.sessions) && m.attendances === format(r.attendances) && m.people === format(r.unique_participants)
      && (r.identified_share === null ? m.share === "–" : m.share.endsWith(pct(r.identified_share, format)))
      && m.range === rangeCell(r.reach_min, r.reach_max, format)
      && (media ? m.items === format(r.media_items) && m.audience === format(r.audience) : m.items === undefined),
    `${label}: ${what} shows ${JSON.stringify(m)}, the API says ${JSON.stringify(r)}`);
  };
  for (const r of byAgency.rows) same(shown.rows.find((s) => s[0] === names[r.agency]), r, "agency " + r.agency);
  check(shown.rows.length === byAgency.rows.length + 1, `${label}: one row per agency and the total`);
  if (total) check(shown.rows[shown.rows.length - 1][0] === total, `${label}: the total row is named ${shown.rows[shown.rows.length - 1][0]}`);
  same(shown.rows[shown.rows.length - 1], byAgency.totals, "totals");
  const sum = await page.evaluate(() => ["sum-sessions", "sum-attendances", "sum-people", "sum-media"]
    .map((id) => document.querySelector(`#${id} .value`).textContent));
  const tot = byAgency.totals;
  check(sum.join("|") === [tot.sessions, tot.attendances, tot.unique_participants, tot.media_items].map(format).join("|"),
    `${label}: the cards show ${sum}`);
  const byMonth = await api("GET", "/api/v1/aggregates?group_by=period:month" + (query ? "&" + query : ""), token);
  const months = await tableOf(page, "#v-month");
  byMonth.rows.forEach((r, i) => {
    const m = months.rows[i] && measuresOf(months, months.rows[i], lang);
    check(m && m.sessions === format(r.sessions) && m.attendances === format(r.attendances) && m.people === format(r.unique_participants)
      && m.range === rangeCell(r.reach_min, r.reach_max, format)
      && m.firstTime === format(r.first_time_participants) && m.cumulative === format(r.cumulative_participants),
      `${label}: month ${r.period} shows ${JSON.stringify(m)}`);
  });
  const overlap = await api("GET", "/api/v1/reach/overlap" + (query ? "?" + query : ""), token);
  const combos = await rowsOf(page, "v-overlap");
  check(combos.length === overlap.combinations.length + 1
    && combos[combos.length - 1][1] === format(overlap.people), `${label}: overlap ${JSON.stringify(combos)}`);
  const freq = await api("GET", "/api/v1/reach/frequency" + (query ? "?" + query : ""), token);
  const buckets = await rowsOf(page, "v-frequency");
  freq.buckets.forEach((b, i) => check(buckets[i] && buckets[i][1] === format(b.people), `${label}: bucket ${i}`));
}

// The figures of the whole seed (a viewer, no filter, Vietnamese) equal
// those computed here from what was posted: the cards, the table by agency
// and the table by kind.
async function seedFigures(page) {
  const all = expected(SEED);
  const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
  check(await text("#sum-sessions .value") === vi(all.sessions), "cards: sessions " + await text("#sum-sessions .value"));
  check(await text("#sum-sessions .records") === `Trong ${vi(all.events)} hoạt động`, "cards: records");
  const att = await text("#sum-attendances .value");
  check(att === vi(all.attendances) && att !== vi(all.attendances + all.audience),
    `cards: person-times ${att}, expected ${vi(all.attendances)} (the audience of ${vi(all.audience)} not in it)`);
  check(await text("#sum-people .value") === vi(all.unique), "cards: identified people " + await text("#sum-people .value"));
  const share = await text("#sum-people .share");
  check(share === `${all.floor ? "ít nhất " : ""}${pct(all.share, vi)} lượt tham dự`, "cards: the share " + share);
  const range = await text("#sum-people .range");
  check(range === `Ước tính từ ${vi(all.reachMin)} đến ${vi(all.reachMax)} người khác nhau`, "cards: the range " + range);
  check(await text("#sum-media .value") === vi(all.items), "cards: media items " + await text("#sum-media .value"));
  const audience = await text("#sum-media .audience");
  check(audience === `ước tính ${vi(all.audience)} lượt người nghe, xem, đọc`, "cards: the audience " + audience);
  check(await text("#sum-media .apart") === "không tính vào lượt tham dự", "cards: media said apart from attendance");
  // By agency and by kind: every seed row and the total.
  const names = Object.fromEntries((await api("GET", "/api/v1/agencies", T.viewer)).map((a) => [a.code, a.name]));
  const words = I18N;
  const rowSays = (tbl, name, e, what) => {
    const row = tbl.rows.find((r) => r[0] === name);
    const m = row && measuresOf(tbl, row, "vi");
    const want = { sessions: vi(e.sessions), attendances: vi(e.attendances), people: vi(e.unique),
      share: shareCell(e.share, e.floor, vi), range: rangeCell(e.reachMin, e.reachMax, vi), items: vi(e.items),
      audience: vi(e.audience), firstTime: m && m.firstTime, cumulative: m && m.cumulative };
    check(m && JSON.stringify(m) === JSON.stringify(want), `${what}: shows ${JSON.stringify(m)}, expected ${JSON.stringify(want)}`);
  };
  const agencies = await tableOf(page, "#v-agency");
  for (const code of ["police", "womens-union"]) rowSays(agencies, names[code], expected(byAgency(code)), "seed, agency " + code);
  rowSays(agencies, "Toàn quốc (không tính trùng)", all, "seed, total by agency");
  const kinds = await tableOf(page, "#v-kind");
  for (const kind of new Set(SEED.map((r) => r.kind))) {
    rowSays(kinds, words.vi.kinds[kind], expected(SEED.filter((r) => r.kind === kind)), "seed, kind " + kind);
  }
  // The range collapses to one number where everyone was identified, and
  // where the organiser counted the people of a tally.
  const one = kinds.rows.find((r) => r[0] === words.vi.kinds.extracurricular);
  check(measuresOf(kinds, one, "vi").range === "15", "a collapsed range is one number: " + JSON.stringify(one));
  // A broadcast: no person-time, no person; its items and audience apart.
  const b = measuresOf(kinds, kinds.rows.find((r) => r[0] === words.vi.kinds.media_broadcast), "vi");
  check(b.attendances === "0" && b.people === "0" && b.items === "3" && b.audience === "5.000",
    "the broadcast row: " + JSON.stringify(b));
}

// The sentence said above a drill-down (the report's).
function peopleWords(e, format = vi) {
  const share = e.share === null ? "" : ` (${e.floor ? "ít nhất " : ""}${pct(e.share, format)} lượt tham dự)`;
  const range = e.reachMin === e.reachMax ? `tổng cộng ${vi(e.reachMin)} người khác nhau`
    : `ước tính từ ${vi(e.reachMin)} đến ${vi(e.reachMax)} người khác nhau`;
  const media = e.items || e.audience
    ? ` Tin, bài, chương trình: ${vi(e.items)} — ước tính ${vi(e.audience)} lượt người nghe, xem, đọc (không tính vào lượt tham dự).` : "";
  return `${vi(e.unique)} người có CCCD/SĐT (đã loại trùng)${share}; ${range}.${media}`;
}

async function loaded(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById("status").textContent;
    return s === "Đã cập nhật số liệu." || s === "Figures updated." || s.startsWith("Lỗi") || s.startsWith("Error");
  }, null, { timeout: 20000 });
  const s = await page.textContent("#status");
  check(!s.startsWith("Lỗi") && !s.startsWith("Error"), "status: " + s);
}

// The period picker: a kind ("quarter", "half", "nine", "year", "all"),
// its year and part (a quarter, or 1 and 2 for the halves), then "Xem số liệu".
async function choosePeriod(page, kind, year, part) {
  await page.selectOption("#f-period", kind);
  if (year) await page.selectOption("#f-year", String(year));
  if (part) await page.selectOption("#f-part", String(part));
  await page.click("#apply");
  await loaded(page);
}
const ROMAN = ["I", "II", "III", "IV"];
// The quarter the figures open on: the current one in Vietnam (UTC+7).
function currentQuarter() {
  const d = new Date(Date.now() + 7 * 3600 * 1000);
  const y = d.getUTCFullYear();
  const q = Math.floor(d.getUTCMonth() / 3) + 1;
  const last = new Date(Date.UTC(y, 3 * q, 0)).getUTCDate();
  const pad = (n) => String(n).padStart(2, "0");
  return { y, q, from: `${y}-${pad(3 * q - 2)}-01`, to: `${y}-${pad(3 * q)}-${pad(last)}`,
    fromShown: `01/${pad(3 * q - 2)}/${y}`, toShown: `${pad(last)}/${pad(3 * q)}/${y}` };
}

// A fresh browser context on the sign-in screen. `problems` collects
// console errors, page errors, requests leaving 127.0.0.1 and error answers
// not announced with `expect` (the console's "Failed to load resource" line
// for an answer is judged by the answer itself).
async function fresh(browser, viewport, { clock, base = BASE } = {}) {
  const context = await browser.newContext({ viewport, locale: "vi-VN" });
  const page = await context.newPage();
  if (clock) await page.clock.install();
  const problems = [];
  // Not signed in yet: the session probe answers 401, and the one-stop
  // sign-in probe 404 when it is not configured.
  const expected = [/^GET \/api\/v1\/session 401$/, /^GET \/api\/v1\/session\/sso 404$/];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of")) {
      problems.push("console: " + m.text());
    }
  });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.hostname !== "127.0.0.1") problems.push("external request: " + r.url());
  });
  page.on("response", (r) => {
    if (r.status() < 400) return;
    const what = `${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`;
    if (!expected.some((e) => e.test(what))) problems.push("unexpected answer: " + what);
  });
  await page.goto(base + "/dashboard/");
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  return { context, page, problems, expect: (re) => expected.push(re) };
}

// A token, through the second choice, keyboard only: the toggle, Enter,
// the token field (focused), type, Enter.
async function open(browser, token, viewport) {
  const opened = await fresh(browser, viewport);
  const { page } = opened;
  await page.focus("#token-toggle");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#token-panel:not([hidden])");
  check(await page.evaluate(() => document.activeElement.id) === "token", "the token field has the focus once opened");
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  return opened;
}

// Username and password, keyboard only: the username, Tab, the password,
// Enter.
async function signIn(page, user, password) {
  await page.focus("#username");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
}

const visible = (page, sel) => page.isVisible(sel);
const text = async (page, sel) => (await page.textContent(sel)).trim();

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 800 };
const SESSION = "/api/v1/session";
// A request or an answer of /api/v1/session (with this method).
const isSession = (r, method) => isPath(r, SESSION, method);
// A request or an answer of `path` (with this method).
const isPath = (r, path, method) => new URL(r.url()).pathname === path
  && (!method || (typeof r.request === "function" ? r.request() : r).method() === method);
const TOTP = SESSION + "/totp";

// No text under 10 px as drawn, anywhere on the page: every visible text
// node's element, its computed size, times the chart's scale for SVG text
// (its screen transform).
async function noSmallText(page, what) {
  const smallest = await page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (!n.textContent.trim() || !e || !e.getClientRects().length) continue;
      let size = parseFloat(getComputedStyle(e).fontSize);
      if (e instanceof SVGElement) {
        const m = e.getScreenCTM();
        size *= m ? Math.hypot(m.a, m.b) : 1;
      }
      out.push({ size, what: `${e.tagName} "${n.textContent.trim().slice(0, 40)}"` });
    }
    out.sort((a, b) => a.size - b.size);
    return { n: out.length, first: out[0] };
  });
  check(smallest.n > 50 && smallest.first.size >= 10,
    `${what}: the smallest of ${smallest.n} texts is ${smallest.first.size.toFixed(1)} px: ${smallest.first.what}`);
}

async function fits360(page, what) {
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 360, `${what} at 360 px: the page is ${width} px wide`);
}

// The sign-in screen: Vietnamese first, the code field and the one-stop
// link only when the service asks for them, the token behind a toggle; a
// wrong password (or an unknown username) said in Vietnamese, the form kept.
async function signInScreen(browser) {
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  check(await text(page, "#signin-title") === "Đăng nhập", "sign-in title: " + await text(page, "#signin-title"));
  check(await text(page, 'label[for="username"]') === "Tên đăng nhập", "the username label");
  check(await text(page, 'label[for="password"]') === "Mật khẩu", "the password label");
  check(await text(page, "#signin-submit") === "Đăng nhập", "the sign-in button");
  check(!(await visible(page, "#totp-row")), "no code field until the service asks for one");
  check(!(await visible(page, "#token-panel")), "the token field is behind the toggle");
  check(await text(page, "#token-toggle") === "Dùng mã truy cập (màn hình trình chiếu)", "the token toggle's words");
  check(await page.evaluate(() => document.activeElement.id) === "username", "the username field has the focus");
  // The one-stop link follows the service's own answer.
  const sso = await page.evaluate(async () => {
    const r = await fetch("/api/v1/session/sso");
    return { status: r.status, body: r.ok ? await r.json() : null };
  });
  const ssoOn = sso.status === 200 && sso.body.enabled === true;
  check(await visible(page, "#sso") === ssoOn, `one-stop link shown must be ${ssoOn}: the service said ${JSON.stringify(sso)}`);
  await page.screenshot({ path: `${OUT}/signin.png` });
  await fits360(page, "sign-in screen");
  await page.screenshot({ path: `${OUT}/signin-360.png` });
  await page.setViewportSize(DESKTOP);
  // The link itself, with the service's answer replaced: shown and followed
  // when on, never for a URL that is not http(s).
  const ssoContext = await browser.newContext({ viewport: DESKTOP, locale: "vi-VN" });
  const ssoPage = await ssoContext.newPage();
  let ssoUrl = "javascript:alert(1)";
  await ssoPage.route("**/api/v1/session/sso", (route) => route.fulfill({ json: { enabled: true, url: ssoUrl } }));
  await ssoPage.goto(BASE + "/dashboard/");
  await ssoPage.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  await ssoPage.waitForLoadState("networkidle");
  check(await ssoPage.isHidden("#sso"), "a javascript: one-stop URL is not offered");
  ssoUrl = "/dashboard/?sso=1";
  await ssoPage.reload();
  await ssoPage.waitForSelector("#sso:not([hidden])", { timeout: 10000 });
  check(await text(ssoPage, "#sso-link") === "Đăng nhập bằng tài khoản một cửa", "the one-stop link's words");
  await Promise.all([ssoPage.waitForURL("**/dashboard/?sso=1"), ssoPage.click("#sso-link")]);
  check(new URL(ssoPage.url()).search === "?sso=1", "the one-stop link goes to the service's URL: " + ssoPage.url());
  await ssoContext.close();

  expect(/^POST \/api\/v1\/session 401$/);
  for (const [user, what] of [[PEOPLE.clerk.user, "a wrong password"], ["khong-co-ai", "an unknown username"]]) {
    const [answer] = await Promise.all([page.waitForResponse((r) => isSession(r, "POST")),
      signIn(page, user, "mat-khau-sai-123")]);
    await page.waitForSelector("#signin-error:not([hidden])", { timeout: 10000 });
    const error = await text(page, "#signin-error");
    check(answer.status() === 401, `${what}: the service answered ${answer.status()}`);
    check(error === "Tên đăng nhập hoặc mật khẩu không đúng.", `${what}: ${error}`);
    check(await visible(page, "#signin-form") && await page.inputValue("#username") === user
      && await page.inputValue("#password") === "mat-khau-sai-123", `${what}: the form stays, nothing typed is lost`);
    check(await page.evaluate(() => document.activeElement.id) === "password", `${what}: the password is ready to retype`);
  }
  await page.screenshot({ path: `${OUT}/signin-error.png` });
  // The language switch says the screen and its error again in English, and back.
  await page.click("#lang");
  check(await text(page, "#signin-title") === "Sign in" && await text(page, 'label[for="username"]') === "Username"
    && await text(page, "#signin-error") === "Wrong username or password.", "sign-in screen in English: " + await text(page, "#signin-error"));
  await page.click("#lang");
  check(await text(page, "#signin-error") === "Tên đăng nhập hoặc mật khẩu không đúng.", "back in Vietnamese");
  await fits360(page, "sign-in screen");
  await page.screenshot({ path: `${OUT}/signin-error-360.png` });
  check(problems.length === 0, "sign-in screen: " + problems.join("; "));
  await context.close();
}

// A person's day: signs in with the form (keyboard only), sees who they
// are and the figures their role may read, reloads and is still in, signs
// out, and the service no longer knows the page.
async function journey(browser, who, shot) {
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  let csrf = null;
  page.on("response", async (r) => {
    if (isSession(r) && r.status() === 200 && ["GET", "POST"].includes(r.request().method())) csrf = (await r.json()).csrf_token;
  });
  const [answer] = await Promise.all([page.waitForResponse((r) => isSession(r, "POST")), signIn(page, who.user, who.password)]);
  check(answer.status() === 200, `${shot}: sign-in answered ${answer.status()}`);
  await loaded(page);
  check(await text(page, "#who-name") === who.name, `${shot}: the header names ${await text(page, "#who-name")}`);
  check(await text(page, "#who-role") === who.role, `${shot}: the header says ${await text(page, "#who-role")}`);
  check(await page.isHidden("#signin") && await visible(page, "#sign-out"), `${shot}: in, with a sign-out button`);
  // The figures open on the current quarter, said in the headline, the
  // dates written dd/mm/yyyy; the whole time is one choice away.
  const cq = currentQuarter();
  const scope = who === PEOPLE.clerk ? "Hội Liên hiệp Phụ nữ tỉnh (hoạt động của đơn vị)" : "Toàn quốc (không tính trùng)";
  check(await text(page, "#head-title") === `Quý ${ROMAN[cq.q - 1]}/${cq.y} · Toàn quốc`
    && await page.inputValue("#f-from") === cq.fromShown && await page.inputValue("#f-to") === cq.toShown,
  `${shot}: opens on the current quarter: ${await text(page, "#head-title")} ${await page.inputValue("#f-from")}`);
  await compare(page, `from=${cq.from}&to=${cq.to}`, shot + ", the current quarter", vi, who.token, scope);
  const inQuarter = (await api("GET", `/api/v1/aggregates?from=${cq.from}&to=${cq.to}`, who.token)).totals.events;
  check(await page.isVisible("#head-figs li.none") === (inQuarter === 0), `${shot}: an empty quarter is said so (${inQuarter} activities)`);
  await choosePeriod(page, "all");
  check(await text(page, "#head-title") === "Toàn bộ thời gian · Toàn quốc", `${shot}: the whole time said: ${await text(page, "#head-title")}`);
  await compare(page, "", shot, vi, who.token, scope);
  // The report buttons: every role but the public.
  check(await visible(page, "#report-docx") && await visible(page, "#report-pdf") && await visible(page, "#report-html"),
    `${shot}: the report buttons are shown`);
  const cookie = (await context.cookies()).find((c) => c.name === "ct_session");
  check(cookie && cookie.httpOnly && cookie.sameSite === "Lax" && cookie.path === "/", `${shot}: cookie ${JSON.stringify(cookie && { ...cookie, value: "…" })}`);
  check(!(await page.evaluate(() => document.cookie)).includes("ct_session"), `${shot}: the page cannot read the session cookie`);
  check(await page.evaluate(() => sessionStorage.length === 0 || sessionStorage.getItem("ct-token") === null),
    `${shot}: nothing secret kept in the tab`);
  await page.screenshot({ path: `${OUT}/${shot}.png` });

  // A reload: still in, no password asked, the figures shown again.
  await page.reload();
  await loaded(page);
  check(await page.isHidden("#signin"), `${shot}: a reload does not ask for the password`);
  check(await text(page, "#who-name") === who.name && await text(page, "#who-role") === who.role, `${shot}: still named after a reload`);
  await choosePeriod(page, "all");
  await compare(page, "", shot + " after a reload", vi, who.token, scope);
  await fits360(page, shot);
  await page.screenshot({ path: `${OUT}/${shot}-360.png` });
  await page.setViewportSize(DESKTOP);

  // Signing out: DELETE with the CSRF token, the sign-in screen, no figure left.
  const [del] = await Promise.all([page.waitForRequest((r) => isSession(r, "DELETE")), page.click("#sign-out")]);
  check(csrf && del.headers()["x-csrf-token"] === csrf, `${shot}: sign-out carries the CSRF token`);
  check((await del.response()).status() === 204, `${shot}: sign-out answered ${(await del.response()).status()}`);
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  check(await text(page, "#signin-notice") === "Bạn đã đăng xuất.", `${shot}: signed-out notice`);
  check(await page.isHidden("#who") && await page.isHidden("#views") && await page.isHidden("#filters")
    && (await page.$$("#v-agency tbody tr")).length === 0, `${shot}: no name and no figure left after signing out`);
  check(await page.inputValue("#password") === "" && await page.inputValue("#username") === "", `${shot}: the form is empty for the next person`);
  expect(/^GET \/api\/v1\/whoami 401$/);
  const after = await page.evaluate(() => fetch("/api/v1/whoami").then((r) => r.status));
  check(after === 401, `${shot}: whoami after signing out answered ${after}`);
  check(await visible(page, "#signin-form"), `${shot}: the sign-in form is shown`);
  await page.reload();
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  check(await page.isHidden("#who"), `${shot}: a reload after signing out stays signed out`);
  check(problems.length === 0, `${shot} page: ` + problems.join("; "));
  await context.close();
}

// A session the service no longer knows (the cookie gone): the next
// request brings the sign-in form back, saying why, the username kept.
async function lostSession(browser) {
  const who = PEOPLE.official;
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  await signIn(page, who.user, who.password);
  await loaded(page);
  await context.clearCookies();
  expect(/^GET \/api\/v1\/[a-z/]+ 401$/);
  await page.click("#apply");
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  const notice = await text(page, "#signin-notice");
  check(notice === "Phiên làm việc đã hết, vui lòng đăng nhập lại.", "lost session: " + notice);
  check(await page.isHidden("#views") && await page.isHidden("#who"), "lost session: no figure, no name");
  check(!(await text(page, "#status")).startsWith("Lỗi"), "lost session: no error line besides the notice");
  check(await page.inputValue("#username") === who.user, "lost session: the username is kept");
  check(await page.evaluate(() => document.activeElement.id) === "password", "lost session: the password field has the focus");
  await page.keyboard.type(who.password);
  await page.keyboard.press("Enter");
  await loaded(page);
  check(await text(page, "#who-name") === who.name, "lost session: back in after signing in again");
  check(problems.length === 0, "lost session page: " + problems.join("; "));
  await context.close();
}

// The warning before the session ends, on a fake clock in the page (the
// service's clock runs as usual): two minutes before the idle end it says
// so, and "Tiếp tục làm việc" renews the session; near the absolute end
// it says the person must sign in again (the service's answer is made to
// end in 100 seconds: twelve hours cannot be waited for), and at the end
// the sign-in form comes back.
async function sessionWarning(browser) {
  const who = PEOPLE.clerk;
  const { context, page, problems } = await fresh(browser, DESKTOP, { clock: true });
  let last = null;
  page.on("response", async (r) => {
    if (isSession(r) && r.status() === 200 && ["GET", "POST"].includes(r.request().method())) {
      last = { body: await r.json(), date: Date.parse(r.headers().date) };
    }
  });
  await signIn(page, who.user, who.password);
  await loaded(page);
  const idle = Date.parse(last.body.idle_expires_at) - last.date;
  const absolute = Date.parse(last.body.expires_at) - last.date;
  check(idle > 3 * 60000 && absolute > idle, `session lengths: idle ${idle} ms, absolute ${absolute} ms`);
  check(await page.isHidden("#session-warning"), "no warning at first");
  await page.clock.fastForward(idle - 100000);
  await page.waitForSelector("#session-warning:not([hidden])", { timeout: 5000 });
  const warning = await text(page, "#session-warning-text");
  check(warning === "Phiên làm việc sẽ hết sau 2 phút", "idle warning: " + warning);
  check(await text(page, "#session-keep") === "Tiếp tục làm việc", "the renew button");
  await page.screenshot({ path: `${OUT}/session-warning.png` });
  const [renew] = await Promise.all([page.waitForResponse((r) => isSession(r, "GET")), page.click("#session-keep")]);
  check(renew.status() === 200, "renewing answered " + renew.status());
  await page.waitForSelector("#session-warning", { state: "hidden", timeout: 5000 });
  check(await text(page, "#who-name") === who.name, "still in after renewing");

  await page.route("**" + SESSION, async (route) => {
    const resp = await route.fetch();
    const body = await resp.json();
    body.expires_at = new Date(Date.parse(resp.headers().date) + 100000).toISOString();
    await route.fulfill({ response: resp, json: body });
  });
  await page.clock.fastForward(idle - 100000);
  await page.waitForSelector("#session-warning:not([hidden])", { timeout: 5000 });
  await page.click("#session-keep");
  await page.waitForFunction(() => document.getElementById("session-warning-text").textContent.includes("đăng nhập lại"),
    null, { timeout: 5000 });
  const end = await text(page, "#session-warning-text");
  check(end === "Phiên làm việc sẽ hết sau 2 phút. Sau đó bạn cần đăng nhập lại.", "absolute-end warning: " + end);
  check(await page.isHidden("#session-keep"), "no renew button when only signing in again helps");
  await page.locator("#session-warning").screenshot({ path: `${OUT}/session-end.png` });
  await page.clock.fastForward(101000);
  await page.waitForSelector("#signin:not([hidden])", { timeout: 5000 });
  check(await text(page, "#signin-notice") === "Phiên làm việc đã hết, vui lòng đăng nhập lại.", "the end: sign in again");
  check(await page.isHidden("#views"), "the end: no figure left");
  check(problems.length === 0, "session warning page: " + problems.join("; "));
  await context.close();
}

// RFC 6238 codes (SHA-1, 6 digits, 30 s), for the account with a second factor.
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, "").toUpperCase()) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totpCode(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", base32(secret)).update(msg).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

const stepNow = () => Math.floor(Date.now() / 30000);

// A code for `secret` that the service refuses now (it accepts one step
// either way).
function wrongCode(secret) {
  const near = new Set([-1, 0, 1, 2].map((d) => totpCode(secret, stepNow() + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!near.has(code)) return code;
  }
}

// The recovery codes, each whole inside the card, none over another, in
// two columns of five.
async function codesLaidOut(page, label) {
  const boxes = await page.$$eval("#totp-codes li", (lis) => {
    const card = document.getElementById("totp-enrol").getBoundingClientRect();
    return lis.map((li) => {
      const r = li.getBoundingClientRect();
      return { l: r.left, r: r.right, t: r.top, b: r.bottom, inside: r.left >= card.left && r.right <= card.right,
        whole: li.scrollWidth <= li.clientWidth };
    });
  });
  const over = boxes.some((a, i) => boxes.some((b, j) => i < j && a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b));
  const columns = new Set(boxes.map((b) => Math.round(b.l))).size;
  check(boxes.length === 10 && !over && boxes.every((b) => b.inside && b.whole) && columns === 2,
    `${label}: the codes laid out whole, apart, in ${columns} columns`);
}

// The two-step screen, open, `answer` the service's enrolment: what it
// shows (the QR code is the service's PNG, the key in groups of four), a
// code too short (said, nothing sent), a wrong code (the service's 422 said
// in Vietnamese, the screen and its key kept), then the code computed here
// from the key on the screen; the ten recovery codes; "Tôi đã cất giữ mã
// dự phòng" leads to the dashboard. Answers the key, the step of the code
// used and the recovery codes.
async function enrolOnScreen(page, answer, label, shots) {
  check(answer.status() === 200, `${label}: the enrolment answered ${answer.status()}`);
  const served = await answer.json();
  await page.waitForSelector("#totp-ready:not([hidden])", { timeout: 10000 });
  check(await text(page, "#totp-title") === "Xác thực hai bước", `${label}: the title`);
  const intro = await text(page, '#totp-setup [data-i18n="totpIntro"]');
  check(intro.includes("Google Authenticator") && intro.includes("Microsoft Authenticator") && intro.includes("quét mã QR"),
    `${label}: the explanation: ${intro}`);
  check(await page.isHidden("#filters") && await page.isHidden("#views") && await page.isHidden("#signin"),
    `${label}: the screen comes instead of the figures`);
  check(await page.isHidden("#totp-open"), `${label}: no header action while the screen is open`);
  const img = await page.$eval("#totp-qr", (i) => ({ src: i.getAttribute("src"), alt: i.alt, natural: i.naturalWidth,
    complete: i.complete, box: i.getBoundingClientRect().toJSON() }));
  check(img.src === "data:image/png;base64," + served.qr_png_base64, `${label}: the QR code is the service's PNG`);
  check(img.complete && img.natural > 0 && img.box.width >= 150 && img.box.width === img.box.height,
    `${label}: the QR code is drawn (${img.natural} px, shown ${img.box.width}×${img.box.height})`);
  check(img.alt === "Mã QR để thêm tài khoản này vào ứng dụng xác thực", `${label}: the QR code's alt text: ${img.alt}`);
  // Drawn at 8 pixels a module: shown at half, every module whole pixels.
  const crisp = await page.waitForFunction(() => {
    const i = document.getElementById("totp-qr");
    return i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width * 2 === i.naturalWidth;
  }, null, { timeout: 5000 }).then(() => true, () => false);
  check(crisp, `${label}: the QR code is shown at half its ${img.natural} pixels, not resampled`);
  const shown = await text(page, "#totp-secret");
  const groups = shown.split(" ");
  check(groups.length >= 4 && groups.every((g, i) => /^[A-Z2-7]+$/.test(g) && (g.length === 4 || (i === groups.length - 1 && g.length < 4))),
    `${label}: the key in groups of 4: ${shown}`);
  const secret = groups.join("");
  check(secret === served.secret.replace(/=+$/, "") && served.otpauth_url.includes("secret=" + secret),
    `${label}: the key shown is the one in the QR code`);
  check(await text(page, 'label[for="totp-code"]') === "Mã 6 số trên ứng dụng", `${label}: the code field's label`);
  check(await text(page, "#totp-submit") === "Xác nhận", `${label}: the button`);
  if (shots) {
    await page.screenshot({ path: `${OUT}/totp-enrol.png`, fullPage: true });
    await fits360(page, label);
    const box = await page.$eval("#totp-qr", (i) => i.getBoundingClientRect().toJSON());
    check(box.left >= 0 && box.right <= 360, `${label} at 360 px: the QR code fits (${box.left}–${box.right})`);
    await page.screenshot({ path: `${OUT}/totp-enrol-360.png`, fullPage: true });
    await page.setViewportSize(DESKTOP);
  }
  let confirms = 0;
  const count = (r) => { if (isPath(r, TOTP + "/confirm", "POST")) confirms++; };
  page.on("request", count);
  await page.fill("#totp-code", "12345");
  await page.click("#totp-submit");
  await page.waitForSelector("#totp-code-error:not([hidden])", { timeout: 5000 });
  check(await text(page, "#totp-code-error") === "Vui lòng nhập đủ 6 chữ số đang hiện trên ứng dụng." && confirms === 0,
    `${label}: five digits are said to be too few, nothing sent (${confirms})`);
  const [refused] = await Promise.all([page.waitForResponse((r) => isPath(r, TOTP + "/confirm", "POST")),
    page.fill("#totp-code", wrongCode(secret)).then(() => page.press("#totp-code", "Enter"))]);
  check(refused.status() === 422 && (await refused.json()).errors[0].field === "code",
    `${label}: the service refused a wrong code: ${refused.status()}`);
  await page.waitForFunction(() => document.getElementById("totp-code-error").textContent.startsWith("Mã không đúng"),
    null, { timeout: 5000 });
  check(await text(page, "#totp-code-error") === "Mã không đúng. Hãy nhập mã đang hiện trên ứng dụng; nếu vẫn sai, "
    + "kiểm tra giờ trên điện thoại đã đúng chưa.", `${label}: a wrong code is said in Vietnamese`);
  check(await page.getAttribute("#totp-code", "aria-invalid") === "true"
    && await page.evaluate(() => document.activeElement.id) === "totp-code", `${label}: the field is marked and focused`);
  check(await visible(page, "#totp-ready") && await text(page, "#totp-secret") === shown && await page.isHidden("#totp-done"),
    `${label}: a wrong code keeps the screen and its key`);
  const step = stepNow();
  const [confirmed] = await Promise.all([page.waitForResponse((r) => isPath(r, TOTP + "/confirm", "POST")),
    page.fill("#totp-code", totpCode(secret, step)).then(() => page.click("#totp-submit"))]);
  page.off("request", count);
  check(confirmed.status() === 200 && confirms === 2, `${label}: the right code answered ${confirmed.status()}`);
  const issued = confirmed.status() === 200 ? (await confirmed.json()).recovery_codes : [];
  await page.waitForSelector("#totp-done:not([hidden])", { timeout: 10000 });
  const codes = await page.$$eval("#totp-codes li", (lis) => lis.map((li) => li.textContent.trim()));
  check(codes.length === 10 && new Set(codes).size === 10 && codes.every((c) => /^\d{5}-\d{5}$/.test(c))
    && codes.join() === issued.join(), `${label}: the 10 recovery codes the service gave: ${codes.join(" ")}`);
  check(await text(page, "#recovery-title") === "Mã dự phòng", `${label}: the codes' heading`);
  await codesLaidOut(page, label);
  const keep = await text(page, '#totp-done [data-i18n="recoveryIntro"]');
  check(keep.includes("in ra hoặc chép tay") && keep.includes("nơi an toàn") && keep.includes("mỗi mã chỉ dùng được một lần"),
    `${label}: print or write them down, keep them safe, each once: ${keep}`);
  check(await page.isHidden("#totp-setup") && await text(page, "#totp-secret") === ""
    && await page.getAttribute("#totp-qr", "src") === null, `${label}: the key leaves the page once enrolled`);
  check(await text(page, "#totp-continue") === "Tôi đã cất giữ mã dự phòng", `${label}: the button to go on`);
  if (shots) {
    await page.screenshot({ path: `${OUT}/totp-codes.png`, fullPage: true });
    await fits360(page, label + ", the codes");
    await codesLaidOut(page, label + " at 360 px");
    await page.screenshot({ path: `${OUT}/totp-codes-360.png`, fullPage: true });
    await page.setViewportSize(DESKTOP);
    // "In mã dự phòng" prints the codes alone: no header, no buttons.
    await page.emulateMedia({ media: "print" });
    check(await page.isHidden("header") && await page.isHidden("#totp-print") && await page.isHidden("#totp-continue")
      && await visible(page, "#totp-codes") && await visible(page, '#totp-done [data-i18n="recoveryIntro"]'),
      `${label}: printed, the page is the codes and what to do with them`);
    await page.emulateMedia({ media: "screen" });
  }
  await page.click("#totp-continue");
  await loaded(page);
  check(await page.isHidden("#totp-enrol") && (await page.$$("#totp-codes li")).length === 0,
    `${label}: the codes leave the page with the screen`);
  check(await visible(page, "#filters") && await page.isHidden("#totp-open"),
    `${label}: the dashboard, and the header no longer offers two-step verification`);
  return { secret, step, codes };
}

// A person turns on two-step verification from the header ("Để sau" goes
// back to the figures), enrols on the screen, signs out, and from then on
// is asked for a code: a wrong one is said in Vietnamese, the right one
// (computed here) lets the person in, and so does a recovery code.
async function secondFactor(browser) {
  const who = PEOPLE.totp;
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  await signIn(page, who.user, who.password);
  await loaded(page);
  check(await visible(page, "#totp-open") && await text(page, "#totp-open") === "Bật xác thực hai bước",
    "two-step: the header offers it to a person without it");
  await page.click("#totp-open");
  await page.waitForSelector("#totp-ready:not([hidden])", { timeout: 10000 });
  check(await page.isHidden("#totp-required"), "two-step from the header: not said to be required");
  check(await text(page, "#totp-later") === "Để sau, quay lại bảng số liệu", "two-step from the header: a way back");
  await page.click("#totp-later");
  await loaded(page);
  check(await page.isHidden("#totp-enrol") && await visible(page, "#filters") && await visible(page, "#totp-open")
    && await text(page, "#totp-secret") === "", "two-step: \"Để sau\" goes back to the figures, the key forgotten");
  expect(/^POST \/api\/v1\/session\/totp\/confirm 422$/);
  const [answer] = await Promise.all([page.waitForResponse((r) => isPath(r, TOTP, "POST")), page.click("#totp-open")]);
  const { secret, step, codes } = await enrolOnScreen(page, answer, "two-step from the header", true);
  check(await text(page, "#who-name") === who.name, "two-step: still signed in as " + await text(page, "#who-name"));
  // A reload: enrolled, nothing offered.
  await page.reload();
  await loaded(page);
  check(await page.isHidden("#totp-open") && await page.isHidden("#totp-enrol"), "two-step: after a reload, nothing offered");

  // Signing out and in again: the code is asked for.
  await page.click("#sign-out");
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  expect(/^POST \/api\/v1\/session 401$/);
  check(await page.isHidden("#totp-row"), "second factor: no code field before the password");
  await signIn(page, who.user, who.password);
  await page.waitForSelector("#totp-row:not([hidden])", { timeout: 10000 });
  check(await text(page, 'label[for="totp"]') === "Mã xác thực (6 số)", "second factor: the code field's label");
  const asked = await text(page, "#totp-error");
  check(asked.startsWith("Tài khoản này cần thêm mã xác thực"), "second factor: asked for a code: " + asked);
  check(await page.evaluate(() => document.activeElement.id) === "totp", "second factor: the code field has the focus");
  await page.keyboard.type(wrongCode(secret));
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("totp-error").textContent.startsWith("Mã xác thực không đúng"),
    null, { timeout: 10000 });
  check(await visible(page, "#signin-form") && await page.inputValue("#password") === who.password,
    "second factor: a wrong code keeps the form and the password");
  await page.screenshot({ path: `${OUT}/signin-totp.png` });
  // The code of the next step: the one used to confirm cannot be used again.
  await page.fill("#totp", totpCode(secret, Math.max(step + 1, stepNow())));
  await page.keyboard.press("Enter");
  await loaded(page);
  check(await text(page, "#who-name") === who.name && await text(page, "#who-role") === who.role,
    "second factor: in, as " + await text(page, "#who-name"));
  check(await page.isHidden("#totp-open"), "second factor: nothing offered once on");
  // A recovery code in place of the code (the phone lost).
  await page.click("#sign-out");
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  await signIn(page, who.user, who.password);
  await page.waitForSelector("#totp-row:not([hidden])", { timeout: 10000 });
  await page.fill("#totp", codes[3]);
  await page.keyboard.press("Enter");
  await loaded(page);
  check(await text(page, "#who-name") === who.name, "second factor: a recovery code signs in");
  check(problems.length === 0, "second factor page: " + problems.join("; "));
  await context.close();
}

// A deployment that requires admins to use two-step verification (the
// second service): the screen comes before anything else, saying so, with
// no way round it but signing out, and the service refuses everything else
// meanwhile. A page that did not know (its session answer made stale here)
// opens the screen at the service's first 403 mfa-required.
async function adminMustEnrol(browser) {
  const who = PEOPLE.mfaAdmin;
  const { context, page, problems, expect } = await fresh(browser, DESKTOP, { base: MFA_BASE });
  let said = null;
  await page.route("**" + SESSION, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const resp = await route.fetch();
    const body = await resp.json();
    said = body.must_enrol_totp;
    await route.fulfill({ response: resp, json: { ...body, must_enrol_totp: false } });
  });
  expect(/^GET \/api\/v1\/[a-z/]+ 403$/);
  const [blocked] = await Promise.all([page.waitForResponse((r) => r.status() === 403), signIn(page, who.user, who.password)]);
  check(said === true, "REQUIRE_ADMIN_MFA: the sign-in answer says the admin must enrol: " + said);
  const type = (await blocked.json()).type;
  check(type === "urn:campaign-tracker:problem:mfa-required", "REQUIRE_ADMIN_MFA: the figures are refused: " + type);
  await page.waitForSelector("#totp-ready:not([hidden])", { timeout: 10000 });
  check(await visible(page, "#totp-required") && await page.isHidden("#totp-later") && await page.isHidden("#filters"),
    "REQUIRE_ADMIN_MFA: a 403 mfa-required opens the screen, required");
  check(!(await text(page, "#status")).startsWith("Lỗi"), "REQUIRE_ADMIN_MFA: no error line besides the screen");
  await page.unroute("**" + SESSION);

  // A reload: the session answer says so itself; the screen first, the
  // page asking nothing else of the service (no 403 needed to get there).
  const asked = [];
  const other = (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/api/") && path !== SESSION && !path.startsWith(SESSION + "/")) asked.push(path);
  };
  page.on("request", other);
  const [answer] = await Promise.all([page.waitForResponse((r) => isPath(r, TOTP, "POST")), page.reload()]);
  await page.waitForSelector("#totp-ready:not([hidden])", { timeout: 10000 });
  page.off("request", other);
  check(asked.length === 0, "REQUIRE_ADMIN_MFA: after a reload the screen comes before any other request: " + asked);
  const note = await text(page, "#totp-required");
  check(note === "Hệ thống này yêu cầu tài khoản quản trị phải dùng xác thực hai bước. Vui lòng bật xong để tiếp tục làm việc.",
    "REQUIRE_ADMIN_MFA: the line saying why: " + note);
  check(await page.isHidden("#totp-later") && await page.isHidden("#totp-open") && await page.isHidden("#filters")
    && await page.isHidden("#views"), "REQUIRE_ADMIN_MFA: before anything else, no way round");
  check(await text(page, "#who-name") === who.name && await visible(page, "#sign-out"),
    "REQUIRE_ADMIN_MFA: the header names the admin, who may sign out");
  const refused = await page.evaluate(async () => {
    const r = await fetch("/api/v1/agencies");
    return [r.status, (await r.json()).type];
  });
  check(refused[0] === 403 && refused[1] === "urn:campaign-tracker:problem:mfa-required",
    "REQUIRE_ADMIN_MFA: other requests refused until then: " + refused);
  await page.waitForSelector("#totp-ready:not([hidden])", { timeout: 10000 });
  await page.screenshot({ path: `${OUT}/totp-required.png`, fullPage: true });
  expect(/^POST \/api\/v1\/session\/totp\/confirm 422$/);
  await enrolOnScreen(page, answer, "REQUIRE_ADMIN_MFA", false);
  check(await text(page, "#who-role") === who.role, "REQUIRE_ADMIN_MFA: in, as " + await text(page, "#who-role"));
  const now = await page.evaluate(() => fetch("/api/v1/agencies").then((r) => r.status));
  check(now === 200, "REQUIRE_ADMIN_MFA: enrolled, the service answers: " + now);
  check(problems.length === 0, "REQUIRE_ADMIN_MFA page: " + problems.join("; "));
  await context.close();
}

// After an admin's reset: the password form comes before anything else,
// the service's refusals are said in Vietnamese beside the field, nothing
// typed is lost, and the new password lets the person in.
async function passwordChange(browser) {
  const who = PEOPLE.reset;
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  await signIn(page, who.user, who.password);
  await page.waitForSelector("#password-change:not([hidden])", { timeout: 10000 });
  check(await text(page, "#pw-title") === "Đổi mật khẩu", "password change: its title");
  check(await page.isHidden("#filters") && await page.isHidden("#views"), "password change: before anything else");
  check(await text(page, "#who-name") === who.name, "password change: the header names the person");
  check(await page.evaluate(() => document.activeElement.id) === "pw-current", "password change: the current password has the focus");
  expect(/^GET \/api\/v1\/aggregates 403$/);
  const blocked = await page.evaluate(async () => {
    const r = await fetch("/api/v1/aggregates");
    return [r.status, (await r.json()).type];
  });
  check(blocked[0] === 403 && blocked[1] === "urn:campaign-tracker:problem:password-change-required",
    "password change: other requests refused until then: " + blocked);
  const fresh12 = "Ngay-moi-" + Math.random().toString(36).slice(2, 10);
  const attempt = async (current, next, confirm) => {
    await page.fill("#pw-current", current);
    await page.fill("#pw-new", next);
    await page.fill("#pw-confirm", confirm);
    await page.click("#pw-submit");
  };
  const fieldSays = async (id, expected, label) => {
    await page.waitForSelector(`#${id}-error:not([hidden])`, { timeout: 10000 });
    const said = await text(page, `#${id}-error`);
    check(said === expected, `password change, ${label}: ${said}`);
    check(await page.getAttribute(`#${id}`, "aria-invalid") === "true", `password change, ${label}: the field is marked`);
  };
  // Two different new passwords: said here, nothing sent.
  await attempt(who.password, fresh12, fresh12 + "x");
  await fieldSays("pw-confirm", "Hai lần nhập mật khẩu mới không giống nhau.", "mismatch");
  expect(/^POST \/api\/v1\/session\/password 422$/);
  await attempt(who.password, "ngan-qua", "ngan-qua");
  await fieldSays("pw-new", "Mật khẩu mới phải có ít nhất 12 ký tự.", "too short");
  check(await page.inputValue("#pw-current") === who.password && await page.inputValue("#pw-new") === "ngan-qua",
    "password change: nothing typed is lost on a refusal");
  await page.screenshot({ path: `${OUT}/password-change.png` });
  await fits360(page, "password change");
  await page.screenshot({ path: `${OUT}/password-change-360.png` });
  await page.setViewportSize(DESKTOP);
  await attempt(who.password, "123qweasdzxc", "123qweasdzxc");
  await fieldSays("pw-new", "Mật khẩu này quá phổ biến, dễ bị đoán ra. Vui lòng chọn mật khẩu khác.", "too common");
  await attempt(who.password, who.password, who.password);
  await fieldSays("pw-new", "Mật khẩu mới phải khác mật khẩu hiện tại.", "same as the old");
  expect(/^POST \/api\/v1\/session\/password 401$/);
  await attempt("khong-phai-mat-khau", fresh12, fresh12);
  await fieldSays("pw-current", "Mật khẩu hiện tại không đúng.", "wrong current password");
  check(await page.isHidden("#signin"), "password change: a wrong current password does not sign out");
  const [changed] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === SESSION + "/password"),
    attempt(who.password, fresh12, fresh12)]);
  check(changed.status() === 200, "password change: answered " + changed.status());
  await loaded(page);
  check(await page.isHidden("#password-change") && await text(page, "#who-role") === who.role,
    "password change: then the dashboard, as " + await text(page, "#who-role"));
  await choosePeriod(page, "all");
  await compare(page, "", "after the password change", vi, who.token, "Công an tỉnh (hoạt động của đơn vị)");
  // The new session's CSRF token is the one sent from now on: signing out works.
  const [del] = await Promise.all([page.waitForRequest((r) => isSession(r, "DELETE")), page.click("#sign-out")]);
  check((await del.response()).status() === 204, "password change: signing out with the new CSRF token");
  await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  await signIn(page, who.user, fresh12);
  await loaded(page);
  check(await page.isHidden("#password-change"), "the new password signs in, with no change asked");
  check(problems.length === 0, "password change page: " + problems.join("; "));
  await context.close();
}

// A disabled account (right password): said in Vietnamese, the form kept.
// Failures after the free ones: wait N seconds, the button waits too.
async function refusals(browser) {
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  expect(/^POST \/api\/v1\/session 40[13]$/);
  expect(/^POST \/api\/v1\/session 429$/);
  await signIn(page, PEOPLE.disabled.user, PEOPLE.disabled.password);
  await page.waitForSelector("#signin-error:not([hidden])", { timeout: 10000 });
  const disabled = await text(page, "#signin-error");
  check(disabled === "Tài khoản này đã bị khóa. Vui lòng liên hệ người quản trị hệ thống.", "disabled account: " + disabled);
  check(await visible(page, "#signin-form"), "disabled account: the form stays");
  let status = 0;
  for (let i = 0; i < 8 && status !== 429; i++) {
    const [answer] = await Promise.all([page.waitForResponse((r) => isSession(r, "POST")),
      signIn(page, "khong-co-ai", "mat-khau-sai-123")]);
    status = answer.status();
    await page.waitForSelector("#signin-error:not([hidden])", { timeout: 10000 });
  }
  check(status === 429, "too many tries: the service answered " + status);
  const wait = await text(page, "#signin-error");
  check(/^Bạn đã thử quá nhiều lần\. Vui lòng đợi \d+ giây rồi thử lại\.$/.test(wait), "too many tries: " + wait);
  check(await page.isDisabled("#signin-submit"), "too many tries: the button waits");
  check(await visible(page, "#signin-form") && await page.inputValue("#username") === "khong-co-ai", "too many tries: the form stays");
  await page.screenshot({ path: `${OUT}/signin-wait.png` });
  await page.waitForFunction(() => !document.getElementById("signin-submit").disabled, null, { timeout: 65000 });
  check(await page.isHidden("#signin-error"), "too many tries: the message goes when the wait is over");
  check(problems.length === 0, "refusals page: " + problems.join("; "));
  await context.close();
}

// ---- issue 32: the clerk's activities and her answers, by the forms ----

// Signs in by the form; a 429 left by the refusals above is waited out.
async function signInWaiting(page, who) {
  for (let i = 0; i < 4; i++) {
    const [answer] = await Promise.all([page.waitForResponse((r) => isSession(r, "POST")), signIn(page, who.user, who.password)]);
    if (answer.status() !== 429) return answer;
    const wait = Number(answer.headers()["retry-after"] || "5");
    await page.waitForTimeout((wait + 1) * 1000);
    await page.waitForFunction(() => !document.getElementById("signin-submit").disabled, null, { timeout: 120000 });
  }
  throw new Error("forms: could not sign in");
}

// ---- issue 33: a dashboard that says what each figure is ----
// The headline's figures, as computed here from the records posted.
async function headlineSays(page, e, label) {
  const figs = await page.$$eval("#head-figs li", (lis) => Object.fromEntries(lis.map((li) => [li.className, li.textContent.trim()])));
  const want = {
    events: `${vi(e.events)} hoạt động, ${vi(e.sessions)} buổi, lớp`,
    attendances: `${vi(e.attendances)} lượt người tham dự`,
    people: `${vi(e.unique)} người (đã loại trùng, có CCCD/SĐT), chiếm ${e.floor ? "ít nhất " : ""}${pct(e.share, vi)} lượt tham dự`,
    range: e.reachMin === e.reachMax ? `Tổng cộng ${vi(e.reachMin)} người khác nhau`
      : `Ước tính từ ${vi(e.reachMin)} đến ${vi(e.reachMax)} người khác nhau`,
  };
  for (const [k, v] of Object.entries(want)) check(figs[k] === v, `${label}: the headline says "${figs[k]}", expected "${v}"`);
  return figs;
}

// Bắc Kạn found by name: the unit of before the 2025 reform, marked with
// its last day.
async function chooseBacKan(page) {
  await page.fill("#f-area-q", "bac kan");
  const button = page.locator("#f-area-results button", { hasText: /^Tỉnh Bắc Kạn/ });
  await button.first().waitFor({ timeout: 10000 });
  const said = (await button.first().textContent()).trim();
  check(said === "Tỉnh Bắc Kạn (đến 30/06/2025)", "area search: Bắc Kạn marked with its last day: " + said);
  await button.first().click();
  return said;
}

// An official (a viewer's account): the third quarter of 2024 in the
// picker, Bắc Kạn by name; the headline, the totals named by their scope,
// the agency × district table, sex and under-18, the drill level kept,
// Word and PDF reports through the buttons, a unit that did not exist in
// the period, English dates, and the page at 360 px.
async function official33(browser) {
  const who = PEOPLE.official;
  const { context, page, problems } = await fresh(browser, DESKTOP);
  await signInWaiting(page, who);
  await loaded(page);
  await page.selectOption("#f-period", "quarter");
  await page.selectOption("#f-year", "2024");
  await page.selectOption("#f-part", "3");
  check(await page.inputValue("#f-from") === "01/07/2024" && await page.inputValue("#f-to") === "30/09/2024",
    `Q3 2024: the picker fills ${await page.inputValue("#f-from")} – ${await page.inputValue("#f-to")}`);
  await chooseBacKan(page);
  await page.click("#apply");
  await loaded(page);
  check(await text(page, "#head-title") === "Quý III/2024 · Toàn tỉnh Bắc Kạn", "Q3 2024: the headline " + await text(page, "#head-title"));
  const e = expected(BAC_KAN_Q3);
  await headlineSays(page, e, "Q3 2024, Bắc Kạn");
  // Five people were at both agencies' activities.
  const both = new Set(BAC_KAN_Q3.filter((r) => r.agency === "police").flatMap((r) => r.people));
  const many = new Set(BAC_KAN_Q3.filter((r) => r.agency === "womens-union").flatMap((r) => r.people).filter((p) => both.has(p))).size;
  check(await text(page, "#overlap-line") === `${vi(many)} người được từ hai cơ quan trở lên tuyên truyền.`,
    "Q3 2024: the overlap said " + await text(page, "#overlap-line"));
  // The same figures as the service's, asked here with the admin token.
  const q = "from=2024-07-01&to=2024-09-30&area=06";
  const api33 = await api("GET", "/api/v1/aggregates?" + q, T.admin);
  check(api33.totals.attendances === e.attendances && api33.totals.unique_participants === e.unique,
    "Q3 2024: the service agrees with the records posted " + JSON.stringify(api33.totals));
  await compare(page, q, "Q3 2024, Bắc Kạn", vi, T.viewer, "Toàn tỉnh Bắc Kạn (không tính trùng)");

  // The agency × district table: each cell as computed here.
  const names = Object.fromEntries((await api("GET", "/api/v1/agencies", T.viewer)).map((a) => [a.code, a.name]));
  const DISTRICTS = { "065": "Huyện Chợ Mới", "061": "Huyện Ba Bể" };
  const cellOf = (rs, measure) => (measure === "attendances" ? vi(rs.reduce((a, r) => a + r.total, 0))
    : vi(new Set(rs.flatMap((r) => r.people)).size));
  for (const measure of ["attendances", "unique_participants"]) {
    if (measure !== "attendances") {
      await page.selectOption("#cross-measure", measure);
      await loaded(page);
    }
    const tbl = await tableOf(page, "#v-cross");
    const agencies = tbl.head.slice(1, -1);
    check(agencies.length === 2 && tbl.head[tbl.head.length - 1] === "Các cơ quan (không tính trùng)",
      "agency × district: its columns " + tbl.head);
    const codeOf = Object.fromEntries(Object.entries(names).map(([c, n]) => [n, c]));
    for (const [d, dname] of Object.entries(DISTRICTS)) {
      const row = tbl.rows.find((r) => r[0] === dname);
      const inD = BAC_KAN_Q3.filter((r) => r.district === d);
      const want = [dname, ...agencies.map((a) => cellOf(inD.filter((r) => r.agency === codeOf[a]), measure)), cellOf(inD, measure)];
      check(row && row.join("|") === want.join("|"), `agency × district, ${measure}: ${row} expected ${want}`);
    }
    const total = tbl.rows[tbl.rows.length - 1];
    const want = ["Toàn tỉnh Bắc Kạn (không tính trùng)",
      ...agencies.map((a) => cellOf(BAC_KAN_Q3.filter((r) => r.agency === codeOf[a]), measure)), cellOf(BAC_KAN_Q3, measure)];
    check(total.join("|") === want.join("|"), `agency × district, ${measure}: the total row ${total} expected ${want}`);
    check(tbl.rows.length === 3, "agency × district: two districts and the total " + tbl.rows.length);
  }
  await page.locator("#v-cross").screenshot({ path: `${OUT}/agency-district.png` });
  // Its workbook: the service's, with the units and agencies by name.
  const [book] = await Promise.all([page.waitForEvent("download"), page.click("#cross-xlsx")]);
  const strings = execFileSync("unzip", ["-p", await book.path(), "xl/sharedStrings.xml"]).toString("utf8");
  check(book.suggestedFilename().endsWith(".xlsx") && strings.includes("Huyện Chợ Mới") && strings.includes("Công an tỉnh"),
    `Excel: ${book.suggestedFilename()} names the districts and agencies`);
  // The same table as text for Excel: a byte-order mark, names in Vietnamese.
  const [text1] = await Promise.all([page.waitForEvent("download"), page.click("#cross-csv")]);
  const csvBytes = readFileSync(await text1.path());
  const csvText = csvBytes.toString("utf8");
  check(text1.suggestedFilename() === "so-lieu.csv" && csvBytes[0] === 0xef && csvBytes[1] === 0xbb && csvBytes[2] === 0xbf
    && csvText.includes("Huyện Chợ Mới") && csvText.includes("Tổng (không tính trùng)"),
  `CSV: ${text1.suggestedFilename()} starts with a byte-order mark and names the districts`);
  // Sex and under 18: person-times, as posted.
  const sex = await tableOf(page, "#v-sex");
  const sum = (f) => vi(BAC_KAN_Q3.reduce((a, r) => a + (r[f] || 0), 0));
  const sexTotal = sex.rows[sex.rows.length - 1];
  check(sexTotal.join("|") === ["Toàn tỉnh Bắc Kạn (không tính trùng)", vi(e.attendances), sum("female"), sum("male"), sum("under18")].join("|"),
    "sex and under 18: " + sexTotal);
  // The area table: the districts, then a district's communes; a filter
  // other than the area keeps the district open.
  const districts = await tableOf(page, "#v-area");
  for (const [d, dname] of Object.entries(DISTRICTS)) {
    const row = districts.rows.find((r) => r[0] === dname);
    const rs = BAC_KAN_Q3.filter((r) => r.district === d);
    const m = row && measuresOf(districts, row, "vi");
    check(m && m.attendances === cellOf(rs, "attendances") && m.people === cellOf(rs, "unique_participants"),
      `area table, ${dname}: ${JSON.stringify(m)}`);
  }
  check(districts.rows[districts.rows.length - 1][0] === "Toàn tỉnh Bắc Kạn (không tính trùng)", "area table: the total row's name");
  await page.click('#v-area tbody button.link >> text="Huyện Chợ Mới"');
  await page.waitForSelector("#area-back:not([hidden])", { timeout: 10000 });
  const communes = await tableOf(page, "#v-area");
  check(communes.rows[communes.rows.length - 1][0] === "Huyện Chợ Mới (không tính trùng)", "district: the total row's name "
    + communes.rows[communes.rows.length - 1][0]);
  const yenCu = communes.rows.find((r) => r[0] === "Xã Yên Cư");
  check(yenCu && measuresOf(communes, yenCu, "vi").attendances === "60", "district: Yên Cư " + yenCu);
  await page.selectOption("#f-kind", "community_meeting");
  await page.click("#apply");
  await loaded(page);
  check(await visible(page, "#area-back") && (await text(page, "#v-area caption")) === "Huyện Chợ Mới",
    "another filter keeps the district open: " + await text(page, "#v-area caption"));
  await page.selectOption("#f-kind", "");
  await page.click("#apply");
  await loaded(page);
  await page.click("#area-back");
  await page.screenshot({ path: `${OUT}/official-q3-2024.png`, fullPage: true });

  // The reports, through the buttons: the same period and area.
  const [word] = await Promise.all([page.waitForEvent("download"), page.click("#report-docx")]);
  const docx = docxText(await word.path());
  check(word.suggestedFilename() === "bao-cao-2024-07-01-2024-09-30.docx", "Word: its name " + word.suggestedFilename());
  for (const words of ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "quý III năm 2024", "tỉnh Bắc Kạn"]) {
    check(docx.includes(words), `Word: says "${words}": ` + docx.slice(0, 500));
  }
  const [pdf] = await Promise.all([page.waitForEvent("download"), page.click("#report-pdf")]);
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(await pdf.path());
  check(bytes.subarray(0, 4).toString() === "%PDF" && pdf.suggestedFilename().endsWith(".pdf"), "PDF: a PDF " + pdf.suggestedFilename());
  const pdfWords = pdfText(await pdf.path());
  check(pdfWords.includes("Bắc Kạn") && pdfWords.includes("CỘNG HÒA"), "PDF: names Bắc Kạn: " + pdfWords.slice(0, 300));
  const [printable] = await Promise.all([context.waitForEvent("page"), page.click("#report-html")]);
  await printable.waitForLoadState();
  const printed = await printable.textContent("body");
  check(printed.includes("Bắc Kạn") && printed.includes("quý III năm 2024"), "In báo cáo: the printable report " + printed.slice(0, 200));
  await printable.close();

  // English: the dates stay dd/mm/yyyy.
  await page.click("#lang");
  await loaded(page);
  check(await page.inputValue("#f-from") === "01/07/2024" && await page.inputValue("#f-to") === "30/09/2024"
    && await text(page, "#head-title") === "Q3 2024 · All of tỉnh Bắc Kạn"
    && await text(page, "#f-area-chosen") === "Area: Tỉnh Bắc Kạn (until 30/06/2025)",
  `English: ${await page.inputValue("#f-from")} ${await text(page, "#head-title")} ${await text(page, "#f-area-chosen")}`);
  const months = (await tableOf(page, "#v-month")).rows.map((r) => r[0]);
  check(months.slice(0, 3).join() === "07/2024,08/2024,09/2024", "English: months written 07/2024: " + months);
  await page.click("#lang");
  await loaded(page);

  // At 360 px: nothing sideways, no text under 10 px, the overlap chart's
  // agency names clear of its dots.
  await fits360(page, "Q3 2024, Bắc Kạn");
  await page.waitForTimeout(500);
  await noSmallText(page, "Q3 2024, Bắc Kạn at 360 px");
  const upset = await page.$eval("#v-overlap svg", (svg) => ({
    names: Math.max(...[...svg.querySelectorAll("text")].filter((t) => t.getAttribute("x") === "0")
      .map((t) => t.getBoundingClientRect().right)),
    dots: Math.min(...[...svg.querySelectorAll("circle")].map((c) => c.getBoundingClientRect().left)),
  }));
  check(upset.names < upset.dots, `360 px: the overlap chart's names end at ${upset.names}, its dots begin at ${upset.dots}`);
  await page.screenshot({ path: `${OUT}/official-q3-2024-360.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);

  // After the reform Bắc Kạn is no more: said, not zeros.
  await choosePeriod(page, "quarter", 2025, 4);
  check(await visible(page, "#area-gone") && await page.isHidden("#figures")
    && (await text(page, "#area-gone")).startsWith("Tỉnh Bắc Kạn không có trong kỳ này"), "a unit gone: " + await text(page, "#area-gone"));
  await page.locator("#views").screenshot({ path: `${OUT}/area-gone.png` });
  check(problems.length === 0, "official, issue 33: " + problems.join("; "));
  await context.close();
}

// The Women's Union's clerk: her figures are her agency's own activities,
// named so, and her report is hers.
async function clerk33(browser) {
  const who = PEOPLE.clerk;
  const { context, page, problems } = await fresh(browser, DESKTOP);
  await signInWaiting(page, who);
  await loaded(page);
  await page.selectOption("#f-period", "quarter");
  await page.selectOption("#f-year", "2024");
  await page.selectOption("#f-part", "3");
  await chooseBacKan(page);
  await page.click("#apply");
  await loaded(page);
  const own = "Hội Liên hiệp Phụ nữ tỉnh, toàn tỉnh Bắc Kạn (hoạt động của đơn vị)";
  check(await text(page, "#head-scope") === own, "clerk: the headline names her agency: " + await text(page, "#head-scope"));
  await headlineSays(page, expected(BAC_KAN_Q3.filter((r) => r.agency === "womens-union")), "clerk, Q3 2024");
  await compare(page, "from=2024-07-01&to=2024-09-30&area=06", "clerk, Q3 2024", vi, T.women, own);
  // Her agency by district: her own column, her own total.
  const mine = BAC_KAN_Q3.filter((r) => r.agency === "womens-union");
  const cross = await tableOf(page, "#v-cross");
  const byD = (d) => vi(mine.filter((r) => r.district === d).reduce((a, r) => a + r.total, 0));
  check(cross.head.join("|") === "Địa bàn|Hội Liên hiệp Phụ nữ tỉnh"
    && cross.rows.map((r) => r.join("|")).join(";") === [`Huyện Ba Bể|${byD("061")}`, `Huyện Chợ Mới|${byD("065")}`,
      `${own}|${vi(mine.reduce((a, r) => a + r.total, 0))}`].join(";"), "clerk: her agency by district " + JSON.stringify(cross));
  check(await page.isHidden("#f-agency"), "clerk: no agency to choose");
  check(await visible(page, "#report-docx"), "clerk: her report buttons are shown");
  const [word] = await Promise.all([page.waitForEvent("download"), page.click("#report-docx")]);
  const docx = docxText(await word.path());
  check(docx.includes("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") && docx.includes("quý III năm 2024"), "clerk: her Word report " + docx.slice(0, 300));
  await page.screenshot({ path: `${OUT}/clerk.png`, fullPage: true });
  check(problems.length === 0, "clerk, issue 33: " + problems.join("; "));
  await context.close();
}

const CCCD = (n) => "0012" + String(n).padStart(8, "0");
// A CCCD as a clerk types it from a paper list: in groups, with spaces.
const spaced = (id) => id.replace(/^(\d{4})(\d{4})(\d{4})$/, "$1 $2 $3");
const field = async (page, id) => (await page.textContent("#" + id)).trim();

async function eventsOf(token, title) {
  const page = await api("GET", "/api/v1/events?limit=500&agency=womens-union", token);
  return page.items.find((e) => e.title === title);
}

async function forms(browser) {
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  expect(/^POST \/api\/v1\/session 429$/);
  const methods = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/v1/events/")) methods.push([r.method(), r.headers()["content-type"] || ""]);
  });
  const answer = await signInWaiting(page, PEOPLE.clerk);
  check(answer.status() === 200, "forms: the clerk signed in: " + answer.status());
  await loaded(page);
  check(await visible(page, "#work-nav") && await text(page, "#nav-events") === "Hoạt động của cơ quan", "forms: the clerk sees her tabs");

  // The list of her agency's activities, newest first.
  await page.click("#nav-events");
  await page.waitForSelector("#events-list table", { timeout: 10000 });
  const own = (await api("GET", "/api/v1/events?limit=500&agency=womens-union", T.women)).items;
  const dates = await page.$$eval("#events-list tbody tr td.date", (tds) => tds.map((td) => td.textContent.trim()));
  const newest = [...own].sort((a, b) => b.start_date.localeCompare(a.start_date)).map((e) => e.start_date.split("-").reverse().join("/"));
  check(dates.join() === newest.join(), `forms: the list is her ${own.length} activities, newest first: ${dates}`);
  await page.screenshot({ path: `${OUT}/events.png` });
  await page.click("#lang");
  check(await text(page, "#events-title") === "Our agency's activities"
    && await page.textContent("#events-list th >> nth=0") === "Date", "forms: the list in English");
  await page.click("#lang");
  check(await text(page, "#events-title") === "Các hoạt động của cơ quan", "forms: the list back in Vietnamese");

  // A new activity by the form: a 2024 meeting in a commune of before the
  // 2025 reform, people pasted one a line (ids in groups, a phone, a
  // pupil with her school), one id mistyped.
  await page.click("#events-new");
  await page.waitForSelector("#event-form-screen:not([hidden])");
  check(await text(page, "#ef-heading") === "Nhập hoạt động mới", "forms: the new-activity heading");
  const kindLabel = await page.$eval('#ef-kind option[value="law_dissemination"]', (o) => o.textContent);
  check(kindLabel === "Phổ biến pháp luật", "forms: kinds by their Vietnamese names: " + kindLabel);
  const TITLE = "Phổ biến pháp luật phòng, chống mua bán người tại xã Yên Cư";
  await page.fill("#ef-title", TITLE);
  await page.selectOption("#ef-kind", "law_dissemination");
  await page.check('#ef-topics input[value="human_trafficking"]');
  await page.check('#ef-targets input[value="women"]');
  await page.fill("#ef-start", "15/03/2024");
  await page.fill("#ef-place-q", "xa yen cu");
  const PLACE = "xã Yên Cư, huyện Chợ Mới, tỉnh Bắc Kạn";
  const choice = page.locator("#ef-place-results button", { hasText: PLACE });
  await choice.first().waitFor({ timeout: 15000 });
  check(await choice.first().textContent() === PLACE, "forms: the place said as a person says it");
  await choice.first().click();
  check(await text(page, "#ef-place-chosen") === "Đã chọn: " + PLACE, "forms: the chosen place: " + await text(page, "#ef-place-chosen"));
  await page.fill("#ef-sessions", "2");
  await page.fill("#ef-total", "45");
  await page.fill("#ef-female", "30");
  await page.fill("#ef-male", "15");
  await page.fill("#ef-under18", "5");
  const people = [...range(0, 10).map((i) => spaced(CCCD(400 + i))), "0912 345 678", "HS2024001 / THCSYENCU"];
  const typo = "0012 0000 041"; // 11 digits
  await page.fill("#ef-people", [...people, typo].join("\n"));
  check(await text(page, "#ef-people-count") === "13 dòng.", "forms: lines counted");
  await page.screenshot({ path: `${OUT}/event-form.png`, fullPage: true });
  expect(/^POST \/api\/v1\/events 422$/);
  await page.click("#ef-save");
  await page.waitForSelector("#ef-err-participants:not([hidden])", { timeout: 10000 });
  const lineError = await text(page, "#ef-err-participants");
  check(lineError === "Dòng 13: số CCCD gồm 12 chữ số (hoặc CMND cũ 9 chữ số).", "forms: the mistyped id said in Vietnamese: " + lineError);
  check(await text(page, "#ef-error") === "Chưa lưu được: vui lòng sửa các ô có ghi chú màu đỏ.", "forms: the form says it was not saved");
  check(await page.inputValue("#ef-title") === TITLE && (await page.inputValue("#ef-people")).includes(typo), "forms: nothing typed is lost");
  await page.locator("#ef-people-set").screenshot({ path: `${OUT}/event-form-error.png` });
  await page.fill("#ef-people", people.join("\n"));
  // The legal basis: a pupil's id needs a parent's or guardian's consent
  // (said in Vietnamese at the field), then it is stored as chosen.
  await page.selectOption("#ef-legal", "consent|person");
  expect(/^POST \/api\/v1\/events 422$/);
  await page.click("#ef-save");
  await page.waitForSelector("#ef-err-consent_by:not([hidden])", { timeout: 10000 });
  const legalError = await text(page, "#ef-err-consent_by");
  check(legalError.startsWith("Có mã học sinh (dữ liệu trẻ em)"), "forms: children's data needs a guardian, said in Vietnamese: " + legalError);
  await page.locator("#ef-people-set").screenshot({ path: `${OUT}/event-form-legal-basis.png` });
  await page.selectOption("#ef-legal", "consent|legal_representative");
  await page.click("#ef-save");
  await page.waitForSelector("#events-screen:not([hidden]) #events-list table", { timeout: 10000 });
  check(await text(page, "#events-status") === `Đã lưu hoạt động "${TITLE}".`, "forms: saved: " + await text(page, "#events-status"));
  let stored = await eventsOf(T.women, TITLE);
  check(stored.legal_basis === "consent" && stored.consent_by === "legal_representative",
    "forms: the legal basis stored as chosen: " + JSON.stringify(stored));
  check(stored && stored.participants_identified === people.length && stored.attendance.total === 45 && stored.attendance.female === 30
    && stored.attendance.under_18 === 5 && stored.sessions === 2 && stored.area_code === "02110" && stored.start_date === "2024-03-15"
    && stored.end_date === "2024-03-15" && /^web-\d{8}-[0-9a-f]{10}$/.test(stored.external_id),
  "forms: stored as entered: " + JSON.stringify(stored));
  const row = page.locator(`#events-list tr[data-id="${stored.id}"]`);
  check(await row.locator("td.people").textContent() === String(people.length), "forms: the list shows her identified people");
  await page.waitForFunction((id) => document.querySelector(`tr[data-id="${id}"] td.place`).textContent.startsWith("xã"), stored.id);

  // A correction of the headcount: too low first (said in Vietnamese at
  // the field), then right; the people stay.
  await row.locator("button", { hasText: "Sửa" }).click();
  await page.waitForSelector("#event-form-screen:not([hidden]) #ef-place-chosen:not([hidden])", { timeout: 10000 });
  check(await text(page, "#ef-heading") === "Sửa hoạt động" && await page.inputValue("#ef-start") === "15/03/2024"
    && await page.inputValue("#ef-total") === "45" && await text(page, "#ef-place-chosen") === "Đã chọn: " + PLACE,
  "forms: the correction form shows the activity");
  check((await text(page, "#ef-people-have")).startsWith(`Hiện có ${people.length} người được định danh.`), "forms: her people are said");
  expect(/^PATCH \/api\/v1\/events\/[^/]+ 422$/);
  await page.fill("#ef-total", "10");
  await page.click("#ef-save");
  await page.waitForSelector("#ef-err-attendance-total:not([hidden])", { timeout: 10000 });
  const totalError = await text(page, "#ef-err-attendance-total");
  check(totalError === `Tổng số không được ít hơn ${people.length} người đã được định danh.`, "forms: the headcount error: " + totalError);
  check(await page.getAttribute("#ef-total", "aria-invalid") === "true", "forms: the field is marked");
  await page.locator("#ef-attendance").screenshot({ path: `${OUT}/event-form-total-error.png` });
  await page.fill("#ef-total", "50");
  await page.click("#ef-save");
  await page.waitForSelector("#events-screen:not([hidden]) #events-list table", { timeout: 10000 });
  stored = await eventsOf(T.women, TITLE);
  check(stored.attendance.total === 50 && stored.participants_identified === people.length && stored.attendance.female === 30,
    "forms: the headcount corrected, the people kept: " + JSON.stringify(stored));
  check(!methods.some(([m]) => m === "PUT") && methods.some(([m, c]) => m === "PATCH" && c === "application/merge-patch+json"),
    "forms: corrections are merge patches, never PUT: " + JSON.stringify(methods));

  // People added and taken out (typed again, written differently).
  await row.locator("button", { hasText: "Sửa" }).click();
  await page.waitForSelector("#event-form-screen:not([hidden]) #ef-people-edit:not([hidden])", { timeout: 10000 });
  expect(/^POST \/api\/v1\/events\/[^/]+\/participants 422$/);
  await page.fill("#ef-people-add", `${spaced(CCCD(500))}\n0987-654-321`);
  await page.fill("#ef-people-remove", CCCD(999));
  await page.click("#ef-save");
  await page.waitForSelector("#ef-err-remove:not([hidden])", { timeout: 10000 });
  const notAmong = await text(page, "#ef-err-remove");
  check(notAmong === "Dòng 1: người này không có trong danh sách của hoạt động (kiểm tra lại số đã nhập).", "forms: " + notAmong);
  await page.fill("#ef-people-remove", CCCD(400).replace(/(\d{3})/g, "$1."));
  await page.click("#ef-save");
  await page.waitForSelector("#events-screen:not([hidden]) #events-list table", { timeout: 10000 });
  stored = await eventsOf(T.women, TITLE);
  const identified = people.length + 2 - 1;
  check(stored.participants_identified === identified && stored.attendance.total === 50,
    `forms: ${identified} people after adding 2 and removing 1: ` + JSON.stringify(stored));
  await page.screenshot({ path: `${OUT}/events-after.png` });

  // Deleting asks why.
  const spare = await api("POST", "/api/v1/events", T.women, { external_id: "forms-spare", kind: "home_visit", title: "Thăm hộ gia đình (nhập nhầm)",
    topics: ["human_trafficking"], start_date: "2024-04-02", end_date: "2024-04-02", area_code: "02110", attendance: { total: 3 } });
  await page.click("#nav-events");
  const spareRow = page.locator(`#events-list tr[data-id="${spare.id}"]`);
  await spareRow.waitFor({ timeout: 10000 });
  await spareRow.locator("button", { hasText: "Xóa" }).click();
  await page.waitForSelector("tr.confirm form");
  await page.click("tr.confirm button[type=submit]");
  check(await text(page, "tr.confirm .field-error") === "Vui lòng ghi lý do xóa.", "forms: a deletion needs its reason");
  await page.locator("#events-list").screenshot({ path: `${OUT}/events-delete.png` });
  await page.fill("tr.confirm input", "Nhập nhầm, đã có trong báo cáo khác");
  await page.click("tr.confirm button[type=submit]");
  await page.waitForFunction((id) => !document.querySelector(`tr[data-id="${id}"]`), spare.id, { timeout: 10000 });
  const gone = (await api("GET", "/api/v1/events?limit=500&include_deleted=true&agency=womens-union", T.women)).items.find((e) => e.id === spare.id);
  check(gone && gone.deleted_at && gone.delete_reason === "Nhập nhầm, đã có trong báo cáo khác", "forms: deleted with its reason");

  // What waits for her answer: a joint activity the police reported, a
  // link the police proposed, and the police's report of her meeting.
  const police = (b) => api("POST", "/api/v1/events", T.police, { topics: ["human_trafficking"], kind: "community_meeting", ...b });
  const joint = await police({ external_id: "forms-joint", title: "Họp dân thôn Nà Bay", start_date: "2024-05-10", end_date: "2024-05-10",
    area_code: "02089", co_organizers: ["womens-union"], attendance: { total: 80, female: 50 },
    participants: range(0, 5).map((i) => ({ id_type: "citizen_id", value: CCCD(600 + i) })) });
  const ours = await api("POST", "/api/v1/events", T.women, { external_id: "forms-link-w", kind: "community_meeting", title: "Họp phụ nữ thôn",
    topics: ["human_trafficking"], start_date: "2024-06-01", end_date: "2024-06-01", area_code: "02092", attendance: { total: 30 },
    participants: range(0, 4).map((i) => ({ id_type: "citizen_id", value: CCCD(700 + i) })) });
  const theirs = await police({ external_id: "forms-link-p", title: "Họp dân thôn (công an)", start_date: "2024-06-01", end_date: "2024-06-01",
    area_code: "02092", attendance: { total: 40 }, participants: range(2, 8).map((i) => ({ id_type: "citizen_id", value: CCCD(700 + i) })) });
  await api("POST", `/api/v1/events/${theirs.id}/same-as`, T.police, { other_id: ours.id });
  const dup = await police({ external_id: "forms-dup-p", kind: "law_dissemination", title: "Phổ biến pháp luật tại Yên Cư", start_date: "2024-03-15",
    end_date: "2024-03-15", area_code: "02110", attendance: { total: 44 } });
  await page.click("#nav-consent");
  await page.waitForSelector(`#claims-list article[data-id="${joint.id}"]`, { timeout: 10000 });
  const claim = page.locator(`#claims-list article[data-id="${joint.id}"]`);
  const claimText = await claim.textContent();
  check(claimText.includes("Do Công an tỉnh báo cáo") && claimText.includes("Tổng số lượt người80") && claimText.includes("Nữ50")
    && claimText.includes("Người được định danh5"), "forms: the claim shows the figures agreed to: " + claimText);
  await page.waitForSelector(`#links-list article`, { timeout: 10000 });
  await page.waitForSelector(`#dups-list article[data-other="${dup.id}"]`, { timeout: 10000 });
  await page.screenshot({ path: `${OUT}/consent.png`, fullPage: true });
  await claim.locator("button", { hasText: "Xác nhận cùng tổ chức" }).click();
  await page.waitForFunction(() => document.getElementById("consent-status").textContent.startsWith("Đã xác nhận"), null, { timeout: 10000 });
  const claimed = await api("GET", `/api/v1/events/${joint.id}`, T.women);
  check(claimed.claims.find((c) => c.agency === "womens-union").status === "confirmed", "forms: the claim confirmed");
  const proposal = page.locator("#links-list article").first();
  const proposalText = await proposal.textContent();
  check(proposalText.includes("Báo cáo của Công an tỉnh") && proposalText.includes("Còn chờ: Hội Liên hiệp Phụ nữ tỉnh"),
    "forms: the proposal shows both reports: " + proposalText);
  await proposal.locator("button", { hasText: "Đồng ý gộp" }).click();
  await page.waitForFunction(() => document.getElementById("consent-status").textContent === "Đã gộp hai báo cáo thành một hoạt động.",
    null, { timeout: 10000 });
  const group = await api("GET", `/api/v1/events/${ours.id}/same-as`, T.women);
  check(JSON.stringify(group).includes(theirs.id), "forms: the two reports are one activity: " + JSON.stringify(group).slice(0, 300));
  // Her report's form says what it is joined with.
  await page.click("#nav-events");
  await page.locator(`#events-list tr[data-id="${ours.id}"] button`, { hasText: "Sửa" }).click();
  await page.waitForSelector("#ef-group:not([hidden]) li", { timeout: 10000 });
  const joined = await page.$$eval("#ef-group li", (lis) => lis.map((li) => li.textContent));
  check(joined.length === 1 && joined[0].startsWith("Báo cáo của Công an tỉnh: Họp dân, 01/06/2024"),
    "forms: the form names the joined report: " + joined);
  await page.locator("#ef-group").screenshot({ path: `${OUT}/event-group.png` });
  await page.click("#ef-back");
  await page.click("#nav-consent");
  await page.waitForSelector(`#dups-list article[data-other="${dup.id}"]`, { timeout: 10000 });
  await page.locator(`#dups-list article[data-other="${dup.id}"] button`).click();
  await page.waitForFunction(() => document.getElementById("consent-status").textContent.startsWith("Đã gửi đề nghị gộp"), null, { timeout: 10000 });
  check(await text(page, "#consent-status") === "Đã gửi đề nghị gộp; chờ Công an tỉnh đồng ý.", "forms: a link proposed");
  const pending = (await api("GET", "/api/v1/link-proposals", T.police)).items;
  check(pending.some((p) => [p.from_id, p.to_id].includes(dup.id) && p.waiting_for.includes("police")), "forms: the police is asked");
  const asked = page.locator(`#dups-list article[data-other="${dup.id}"]`);
  check(await asked.locator("button").count() === 0
    && (await asked.locator(".notice").textContent()) === "Đã có đề nghị gộp hai báo cáo này; còn chờ: Công an tỉnh.",
  "forms: a proposed pair is not offered again: " + await asked.innerHTML());
  check(await page.locator(`#dups-list article[data-other="${theirs.id}"]`).count() === 0, "forms: a joined pair is no longer a candidate");
  await page.screenshot({ path: `${OUT}/consent-after.png`, fullPage: true });
  await fits360(page, "consent screen");
  await page.screenshot({ path: `${OUT}/consent-360.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);

  // Her figures for 2024, computed from what was entered: her meeting
  // (2 sessions, 50 person-times, 12 people), the joint meeting she
  // confirmed (80, 5 people) and the joined meeting (the larger
  // headcount, 40, and the people of both reports, 8).
  await page.click("#nav-figures");
  await loaded(page);
  await choosePeriod(page, "half", 2024, 1);
  check(await page.inputValue("#f-from") === "01/01/2024" && await page.inputValue("#f-to") === "30/06/2024"
    && await text(page, "#head-title") === "6 tháng đầu năm 2024 · Toàn quốc", "forms: the first half of 2024: " + await text(page, "#head-title"));
  const cards = await page.evaluate(() => ["sum-sessions", "sum-attendances", "sum-people"]
    .map((id) => document.querySelector(`#${id} .value`).textContent));
  const want = [2 + 1 + 1, 50 + 80 + 40, identified + 5 + 8].map(vi);
  check(cards.join("|") === want.join("|"), `forms: her 2024 figures ${cards}, computed ${want}`);

  // A locked quarter is said in words.
  await api("POST", "/api/v1/periods", T.admin, { period: "2024-Q1", reason: "Báo cáo quý I đã ký" });
  expect(/^PATCH \/api\/v1\/events\/[^/]+ 409$/);
  await page.click("#nav-events");
  await row.locator("button", { hasText: "Sửa" }).click();
  await page.waitForSelector("#event-form-screen:not([hidden]) #ef-place-chosen:not([hidden])", { timeout: 10000 });
  await page.fill("#ef-title", TITLE + " (sửa)");
  await page.click("#ef-save");
  await page.waitForSelector("#ef-error:not([hidden])", { timeout: 10000 });
  check(await text(page, "#ef-error") === "Quý I/2024 đã khóa sổ; đề nghị quản trị mở lại.", "forms: locked: " + await text(page, "#ef-error"));
  await api("POST", "/api/v1/periods/2024-Q1/reopen", T.admin, { reason: "Kiểm thử xong" });
  await fits360(page, "activity form");
  await page.screenshot({ path: `${OUT}/event-form-360.png`, fullPage: true });
  await page.click("#ef-back");
  await page.waitForSelector("#events-screen:not([hidden]) #events-list table", { timeout: 10000 });
  await fits360(page, "activity list");
  await page.screenshot({ path: `${OUT}/events-360.png`, fullPage: true });
  // Activities from a workbook (issue 32): the template through its
  // button, filled as a spreadsheet program would (openpyxl, with the
  // template's lists kept), three bad rows said in Vietnamese by row and
  // column, nothing saved by the check, the good rows saved, the fixed
  // file imported again (the saved rows unchanged), and her figures for
  // the quarter equal to what the rows say.
  await page.setViewportSize(DESKTOP);
  await page.click("#nav-import");
  await page.waitForSelector("#import-screen:not([hidden])");
  check(await text(page, "#import-title") === "Nhập hoạt động từ tệp Excel", "import: the screen's title");
  const [tpl] = await Promise.all([page.waitForEvent("download"), page.click("#import-template")]);
  const template = `${OUT}/import-template.xlsx`;
  await tpl.saveAs(template);
  const tplStrings = execFileSync("unzip", ["-p", template, "xl/sharedStrings.xml"]).toString("utf8");
  check(tpl.suggestedFilename() === "mau-nhap-hoat-dong.xlsx" && tplStrings.includes("Ngày bắt đầu") && tplStrings.includes("Họp dân"),
    "import: the template downloaded with Vietnamese headers and lists: " + tpl.suggestedFilename());
  const good = [
    { "Mã hoạt động": "IMP-01", "Hình thức": "Họp dân", "Tên hoạt động": "Họp dân thôn Khuổi Bốc", "Ngày bắt đầu": "2023-01-10",
      "Ngày kết thúc": "2023-01-10", "Địa bàn": "02110", "Chủ đề": "Mua bán người", "Đối tượng": "Phụ nữ", "Số buổi": 1,
      "Tổng lượt người tham dự": 60, "Trong đó nữ": 40 },
    { "Mã hoạt động": "IMP-02", "Hình thức": "Lớp tập huấn", "Tên hoạt động": "Lớp tập huấn cho chi hội trưởng", "Ngày bắt đầu": "12/02/2023",
      "Ngày kết thúc": "13/02/2023", "Địa bàn": "02110", "Chủ đề": "Mua bán người; Di cư an toàn", "Số buổi": 2,
      "Tổng lượt người tham dự": 70 },
  ];
  const bad = [
    { "Mã hoạt động": "IMP-03", "Hình thức": "Họp dân", "Tên hoạt động": "Họp dân thôn Nà Quang", "Ngày bắt đầu": "31/02/2023", "Ngày kết thúc": "28/02/2023",
      "Địa bàn": "02110", "Chủ đề": "Mua bán người", "Tổng lượt người tham dự": 25 },
    { "Mã hoạt động": "IMP-04", "Hình thức": "Hội thảo quốc tế", "Tên hoạt động": "Hội thảo", "Ngày bắt đầu": "03/03/2023", "Ngày kết thúc": "03/03/2023",
      "Địa bàn": "02110", "Chủ đề": "Mua bán người", "Tổng lượt người tham dự": 30 },
    { "Mã hoạt động": "IMP-05", "Hình thức": "Họp dân", "Tên hoạt động": "Họp dân thôn Bản Quất", "Ngày bắt đầu": "20/03/2023", "Ngày kết thúc": "20/03/2023",
      "Địa bàn": "02110", "Chủ đề": "Mua bán người", "Tổng lượt người tham dự": 20, "Trong đó nữ": 30 },
  ];
  const fixed = [{ ...bad[0], "Ngày bắt đầu": "28/02/2023", "Ngày kết thúc": "28/02/2023" }, { ...bad[1], "Hình thức": "Phổ biến pháp luật" },
    { ...bad[2], "Trong đó nữ": 12 }];
  const participants = [CCCD(800), CCCD(801)].map((n) => ({ "Mã hoạt động": "IMP-01", "Loại giấy tờ": "CCCD", "Số": spaced(n) }));
  const workbook = (name, events) => {
    const rows = `${OUT}/${name}.json`;
    writeFileSync(rows, JSON.stringify({ events, participants }));
    execFileSync(process.env.WORKBOOK_PYTHON, ["scripts/browser/workbook.py", template, `${OUT}/${name}.xlsx`, rows]);
    return `${OUT}/${name}.xlsx`;
  };
  const imported = async () => (await api("GET", "/api/v1/events?limit=500&agency=womens-union", T.women)).items
    .filter((e) => /^IMP-/.test(e.external_id)).map((e) => e.external_id).sort();
  const badFile = workbook("hoat-dong-co-loi", [...good, ...bad]);
  await page.click("#import-check");
  check(await text(page, "#import-file-error") === "Vui lòng chọn tệp đã điền.", "import: a file is asked for first");
  await page.setInputFiles("#import-file", badFile);
  await page.click("#import-check");
  await page.waitForFunction(() => document.getElementById("import-status").textContent.startsWith("Đã kiểm tra"), null, { timeout: 20000 });
  const checked = await text(page, "#import-status");
  check(checked === "Đã kiểm tra tệp hoat-dong-co-loi.xlsx (5 dòng), chưa lưu gì: 2 hoạt động mới sẽ được thêm; 3 dòng có lỗi.",
    "import: the check says what it found: " + checked);
  const problemRows = await page.$$eval("#import-result tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const byRow = (r) => problemRows.filter((p) => p[1] === String(r));
  check(problemRows.length === 3 && [4, 5, 6].every((r) => byRow(r).length === 1), "import: three rows said: " + JSON.stringify(problemRows));
  check(byRow(4)[0]?.[3] === "Ngày bắt đầu" && byRow(5)[0]?.[3] === "Hình thức" && byRow(6)[0]?.[3] === "Tổng lượt người tham dự",
    "import: each problem at its column: " + JSON.stringify(problemRows));
  check(problemRows.every((p) => /[àáảãạăâđèéêìíòóôơùúưỳý]/i.test(p[4]) && !/[{}]|items\[/.test(p[4])),
    "import: the problems in Vietnamese words: " + problemRows.map((p) => p[4]).join(" | "));
  check((await imported()).length === 0, "import: the check saved nothing");
  await page.screenshot({ path: `${OUT}/import-errors.png`, fullPage: true });
  // Imported as it is: the good rows saved, the bad ones said again.
  await page.click("#import-run");
  await page.waitForFunction(() => document.getElementById("import-status").textContent.startsWith("Đã nhập"), null, { timeout: 20000 });
  check(await text(page, "#import-status") === "Đã nhập tệp hoat-dong-co-loi.xlsx (5 dòng): đã thêm 2 hoạt động mới; 3 dòng có lỗi, chưa lưu.",
    "import: the good rows saved: " + await text(page, "#import-status"));
  check((await imported()).join() === "IMP-01,IMP-02", "import: IMP-01 and IMP-02 stored: " + await imported());
  // Fixed in the file and imported again.
  await page.setInputFiles("#import-file", workbook("hoat-dong-da-sua", [...good, ...fixed]));
  await page.click("#import-run");
  await page.waitForFunction(() => document.getElementById("import-status").textContent.startsWith("Đã nhập"), null, { timeout: 20000 });
  check(await text(page, "#import-status")
    === "Đã nhập tệp hoat-dong-da-sua.xlsx (5 dòng): đã thêm 3 hoạt động mới; 2 hoạt động đã có, không đổi.",
  "import: the fixed file: " + await text(page, "#import-status"));
  check(await page.locator("#import-result tbody tr").count() === 0 && await text(page, "#import-result .notice") === "Mọi dòng đã được lưu.",
    "import: nothing left to fix");
  check((await imported()).join() === "IMP-01,IMP-02,IMP-03,IMP-04,IMP-05", "import: all five stored");
  const first = (await api("GET", "/api/v1/events?limit=500&agency=womens-union", T.women)).items.find((e) => e.external_id === "IMP-01");
  check(first.participants_identified === 2 && first.start_date === "2023-01-10" && first.attendance.female === 40,
    "import: the participants sheet and the date cell read: " + JSON.stringify(first));
  await page.screenshot({ path: `${OUT}/import-done.png`, fullPage: true });
  await fits360(page, "import screen");
  await page.screenshot({ path: `${OUT}/import-360.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);
  // Her figures for the first quarter of 2023 are the rows': 6 sessions,
  // 205 person-times, 2 identified people.
  await page.click("#nav-figures");
  await loaded(page);
  await choosePeriod(page, "quarter", 2023, 1);
  const q1 = await page.evaluate(() => ["sum-sessions", "sum-attendances", "sum-people"]
    .map((id) => document.querySelector(`#${id} .value`).textContent));
  const rowsWant = [1 + 2 + 1 + 1 + 1, 60 + 70 + 25 + 30 + 20, 2].map(vi);
  check(q1.join("|") === rowsWant.join("|"), `import: her Q1 2023 figures ${q1}, from the rows ${rowsWant}`);
  check(problems.length === 0, "forms page: " + problems.join("; "));
  await context.close();

  // Figures only for those who read them: no tabs.
  const viewer = await open(browser, T.viewer, DESKTOP);
  await loaded(viewer.page);
  check(await viewer.page.isHidden("#work-nav"), "forms: a viewer has no activity tabs");
  await viewer.context.close();
}


// An administrator's screens (issue 32), by password: locks the first
// quarter of 2023 (the clerk's imported activities), publishes it (the
// published agency row equals the rows imported), publishes again and
// reads that nothing changed; adds an account for a police clerk (a
// one-time password shown once), a token for the police's system (it
// works, then is revoked and no longer works), and an agency.
async function adminScreens(browser) {
  const { context, page, problems, expect } = await fresh(browser, DESKTOP);
  expect(/^POST \/api\/v1\/session 429$/);
  const answer = await signInWaiting(page, PEOPLE.admin);
  check(answer.status() === 200, "admin: signed in: " + answer.status());
  await loaded(page);
  check(await visible(page, "#nav-periods") && await visible(page, "#nav-people") && !(await visible(page, "#nav-import")),
    "admin: the admin's tabs");
  await page.click("#nav-periods");
  await page.waitForSelector("#periods-screen:not([hidden]) #locks-list", { timeout: 10000 });
  await page.selectOption("#lock-part", "-Q1");
  await page.selectOption("#lock-year", "2023");
  await page.click("#lock-submit");
  check(await text(page, "#lock-reason-error") === "Vui lòng điền ô này.", "admin: a lock needs its reason");
  await page.fill("#lock-reason", "Báo cáo quý I/2023 đã ký");
  await page.click("#lock-submit");
  await page.waitForFunction(() => document.getElementById("periods-status").textContent.includes("khóa sổ"), null, { timeout: 10000 });
  check(await text(page, "#periods-status") === "Quý I/2023 đã được khóa sổ (từ 01/01/2023 đến 31/03/2023).",
    "admin: locked: " + await text(page, "#periods-status"));
  const locks = (await api("GET", "/api/v1/periods", T.admin)).items;
  check(locks.some((l) => l.period === "2023-Q1" && l.active && l.reason === "Báo cáo quý I/2023 đã ký"), "admin: the lock stored");
  // When and by whom, as read in Vietnam: the time in UTC+7, a token by its label.
  const vnTime = (iso) => {
    const d = new Date(Date.parse(iso) + 7 * 3600 * 1000);
    const p = (n) => String(n).padStart(2, "0");
    return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  };
  const cellsOf = (period) => page.$$eval(`#locks-list tr:has([data-period="${period}"]) td`, (tds) => tds.map((td) => td.textContent));
  const q1Row = await cellsOf("2023-Q1");
  const q1Lock = locks.find((l) => l.period === "2023-Q1");
  check(q1Row[2] === vnTime(q1Lock.locked_at) && q1Row[3] === "quan.tri", "admin: locked at Vietnam's time, by her: " + q1Row);
  const byToken = await cellsOf("2025-08");
  check(byToken[3] === 'mã truy cập "browser-admin"', "admin: a lock by a token names the token: " + byToken);
  const row = page.locator('#locks-list [data-period="2023-Q1"]');
  await row.locator("button", { hasText: "Công bố số liệu" }).click();
  check(await page.inputValue("#publish-2023-Q1") === "Số liệu tuyên truyền phòng, chống mua bán người Quý I/2023",
    "admin: the publication's title proposed");
  await row.locator("button[type=submit]").click();
  await page.waitForFunction(() => document.getElementById("periods-status").textContent.startsWith("Đã công bố"), null, { timeout: 60000 });
  const pub = await api("GET", "/api/v1/publications/2023-Q1", T.admin);
  check(await text(page, "#periods-status") === `Đã công bố số liệu Quý I/2023, phiên bản 1: ${vi(pub.suppressed_cells)} ô số liệu nhỏ được ẩn.`,
    "admin: published: " + await text(page, "#periods-status"));
  const byAgency = pub.tables.find((tb) => tb.name === "agency");
  const women = byAgency && byAgency.rows.find((r) => r.key.agency === "womens-union");
  check(pub.version === 1 && women && women.values.attendances === 205 && women.values.sessions === 6,
    "admin: the published row is the imported rows': " + JSON.stringify(women));
  check(await page.locator('#pubs-list [data-period="2023-Q1"][data-version="1"]').count() === 1, "admin: version 1 listed");
  await page.screenshot({ path: `${OUT}/periods.png`, fullPage: true });
  // Published again: nothing moved in a locked quarter.
  await row.locator("button", { hasText: "Công bố số liệu" }).click();
  await row.locator("button[type=submit]").click();
  await page.waitForSelector('#pubs-list [data-period="2023-Q1"][data-version="2"]', { timeout: 60000 });
  await page.locator('#pubs-list [data-period="2023-Q1"][data-version="2"] button').click();
  await page.waitForSelector("#pub-changes:not([hidden]) h4");
  check(await text(page, "#pub-changes h4") === "Quý I/2023: thay đổi từ phiên bản 1 đến phiên bản 2"
    && await text(page, "#pub-changes p") === "Không có ô số liệu nào thay đổi.", "admin: no change between the versions");
  // Reopened with a reason: the lock leaves the list, its history keeps why.
  await row.locator("button", { hasText: "Mở lại" }).click();
  await row.locator("button[type=submit]").click();
  check(await text(page, "#reopen-2023-Q1-error") === "Vui lòng điền ô này.", "admin: reopening needs its reason");
  await page.fill("#reopen-2023-Q1", "Công an bổ sung số liệu tháng 3");
  await row.locator("button[type=submit]").click();
  await page.waitForFunction(() => document.getElementById("periods-status").textContent === "Quý I/2023 đã được mở lại.", null, { timeout: 10000 });
  const history = (await api("GET", "/api/v1/periods?all=true&period=2023-Q1", T.admin)).items;
  check(history.length === 1 && !history[0].active && history[0].reopen_reason === "Công an bổ sung số liệu tháng 3",
    "admin: reopened with its reason: " + JSON.stringify(history));
  check(await page.locator('#locks-list [data-period="2023-Q1"]').count() === 0, "admin: the reopened quarter leaves the list");
  await fits360(page, "periods screen");
  await page.screenshot({ path: `${OUT}/periods-360.png`, fullPage: true });
  await page.setViewportSize(DESKTOP);

  // People and systems.
  await page.click("#nav-people");
  await page.waitForSelector("#people-screen:not([hidden]) #accounts-list table", { timeout: 10000 });
  const listed = await page.$$eval("#accounts-list tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  check(listed.includes("lan.nguyen") && listed.includes("quan.tri"), "admin: the accounts listed: " + listed);
  await page.fill("#acc-username", "hanh.vu");
  await page.fill("#acc-name", "Vũ Thị Hạnh");
  await page.selectOption("#acc-role", "agency");
  await page.selectOption("#acc-agency", "police");
  await page.click("#acc-submit");
  await page.waitForSelector("#people-secret:not([hidden]) code", { timeout: 15000 });
  const oneTime = await text(page, "#people-secret code");
  const made = (await api("GET", "/api/v1/accounts?limit=500", T.admin)).items.find((a) => a.username === "hanh.vu");
  check(made && made.role === "agency" && made.agency === "police" && made.must_change_password && oneTime.length >= 12,
    "admin: the account made, with a one-time password: " + JSON.stringify(made));
  const signedAs = await fetch(BASE + "/api/v1/session", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "hanh.vu", password: oneTime }) });
  check(signedAs.status === 200, "admin: the one-time password signs her in: " + signedAs.status);
  await page.screenshot({ path: `${OUT}/people.png`, fullPage: true });
  const accRow = page.locator('#accounts-list [data-username="hanh.vu"]');
  await accRow.locator("button", { hasText: "Khóa tài khoản" }).click();
  await page.waitForFunction(() => document.getElementById("people-status").textContent === "Đã khóa tài khoản hanh.vu.", null, { timeout: 10000 });
  check((await api("GET", `/api/v1/accounts/${made.id}`, T.admin)).disabled === true, "admin: the account disabled");
  // A token for the police's system: shown once, it works, then revoked.
  await page.fill("#tok-label", "Hệ thống quản lý của Công an tỉnh");
  await page.selectOption("#tok-role", "agency");
  await page.selectOption("#tok-agency", "police");
  await page.fill("#tok-days", "30");
  await page.click("#tok-submit");
  await page.waitForFunction(() => document.getElementById("people-status").textContent.startsWith("Đã cấp mã"), null, { timeout: 10000 });
  const issued = await text(page, "#people-secret code");
  const who = await fetch(BASE + "/api/v1/whoami", { headers: { Authorization: "Bearer " + issued } });
  check(who.status === 200 && (await who.json()).agency === "police", "admin: the token issued on the page works");
  await page.locator('#tokens-list [data-label="Hệ thống quản lý của Công an tỉnh"] button', { hasText: "Thu hồi" }).click();
  await page.waitForFunction(() => document.getElementById("people-status").textContent.startsWith("Đã thu hồi"), null, { timeout: 10000 });
  const after = await fetch(BASE + "/api/v1/whoami", { headers: { Authorization: "Bearer " + issued } });
  check(after.status === 401, "admin: the revoked token no longer works: " + after.status);
  // An agency.
  await page.fill("#ag-name", "Tỉnh đoàn Bắc Kạn");
  await page.fill("#ag-name-en", "Provincial Youth Union");
  await page.fill("#ag-code", "Tinh Doan");
  await page.click("#ag-submit");
  check((await text(page, "#ag-code-error")).startsWith("Mã gồm"), "admin: a code with spaces and capitals is refused at its field");
  await page.fill("#ag-code", "youth-union");
  await page.click("#ag-submit");
  await page.waitForFunction(() => document.getElementById("people-status").textContent === "Đã thêm Tỉnh đoàn Bắc Kạn.", null, { timeout: 10000 });
  const agency = await api("GET", "/api/v1/agencies/youth-union", T.admin);
  check(agency.name === "Tỉnh đoàn Bắc Kạn" && agency.active, "admin: the agency added");
  check(await page.locator('#agencies-list [data-code="youth-union"]').count() === 1, "admin: the agency listed");
  await page.screenshot({ path: `${OUT}/people-after.png`, fullPage: true });
  await fits360(page, "people screen");
  await page.screenshot({ path: `${OUT}/people-360.png`, fullPage: true });

  // Personal data (issue 34): a person at two activities asks what is
  // held about them; the answer lists exactly those two, the request is
  // listed with its deadlines, and the register downloads as Word.
  await page.setViewportSize(DESKTOP);
  const person = CCCD(7777);
  for (const [ext, day] of [["privacy-1", "2024-04-02"], ["privacy-2", "2024-05-06"]]) {
    await api("POST", "/api/v1/events", T.women, { external_id: ext, kind: "community_meeting", title: "Họp dân " + ext,
      topics: ["human_trafficking"], start_date: day, end_date: day, area_code: "02110", attendance: { total: 20 },
      participants: [{ id_type: "citizen_id", value: person }], legal_basis: "consent", consent_by: "person" });
  }
  check(await visible(page, "#nav-privacy"), "admin: the personal-data tab");
  await page.click("#nav-privacy");
  await page.waitForSelector("#privacy-screen:not([hidden]) #privacy-list", { timeout: 10000 });
  await page.click("#prq-submit");
  check(await text(page, "#prq-ids-error") === "Vui lòng gõ ít nhất một số của người đó.", "privacy: a number is needed");
  await page.fill("#prq-ids", person.replace(/(\d{4})/g, "$1 "));
  await page.fill("#prq-note", "Đơn số 12, nhận ngày 07/12/2026");
  await page.click("#prq-submit");
  await page.waitForSelector("#privacy-answer p", { timeout: 10000 });
  const said = await text(page, "#privacy-answer p");
  check(said.startsWith("Đã ghi nhận. Có 2 hoạt động ghi nhận người này"), "privacy: the access answer: " + said);
  check(await page.locator("#privacy-answer table tbody tr").count() === 2, "privacy: both activities listed");
  check(await page.inputValue("#prq-ids") === "", "privacy: the number typed is cleared from the page");
  const asked = (await api("GET", "/api/v1/privacy/requests", T.admin)).items;
  check(asked.length >= 1 && asked[0].events_found === 2 && asked[0].kind === "access", "privacy: the request stored: " + JSON.stringify(asked[0]));
  check(await page.locator("#privacy-list tbody tr").count() === asked.length, "privacy: the requests listed");
  await page.screenshot({ path: `${OUT}/privacy.png`, fullPage: true });
  const [register] = await Promise.all([page.waitForEvent("download"), page.click("#privacy-docx")]);
  check(/^so-dang-ky-xu-ly-du-lieu-ca-nhan-\d{4}-\d{2}-\d{2}\.docx$/.test(register.suggestedFilename()),
    "privacy: the register as Word: " + register.suggestedFilename());
  const registerText = docxText(await register.path());
  check(registerText.includes("CƠ SỞ PHÁP LÝ") && registerText.includes("Sự đồng ý của chủ thể dữ liệu"),
    "privacy: the register's document: " + registerText.slice(0, 300));
  await fits360(page, "privacy screen");
  check(problems.length === 0, "admin page: " + problems.join("; "));
  await context.close();
}


// Decree 09/2019/NĐ-CP in a browser (issue 33): on a deployment with
// REPORTING_PERIODS=decree-09, quarter III of 2024 is 15/06/2024 to
// 14/09/2024 in the picker, in what the page asks the service and in the
// headline; the year 2025 starts on 15/12/2024.
async function decreeNine(browser) {
  const base = process.env.D9_BASE_URL;
  const { context, page, problems } = await fresh(browser, DESKTOP, { base });
  await page.focus("#token-toggle");
  await page.keyboard.press("Enter");
  await page.fill("#token", process.env.D9_VIEWER);
  await page.keyboard.press("Enter");
  await loaded(page);
  const asked = [];
  page.on("request", (r) => { if (new URL(r.url()).pathname === "/api/v1/aggregates") asked.push(new URL(r.url()).searchParams); });
  await choosePeriod(page, "quarter", 2024, 3);
  check(await page.inputValue("#f-from") === "15/06/2024" && await page.inputValue("#f-to") === "14/09/2024",
    `decree 09: quarter III/2024 is ${await page.inputValue("#f-from")} – ${await page.inputValue("#f-to")}`);
  check(asked.length > 0 && asked.every((q) => q.get("from") === "2024-06-15" && q.get("to") === "2024-09-14"),
    "decree 09: the page asks for 15/06 to 14/09: " + asked.map((q) => `${q.get("from")}..${q.get("to")}`).join(", "));
  check((await text(page, "#head-title")).startsWith("Quý III/2024"), "decree 09: the headline names the quarter: " + await text(page, "#head-title"));
  await choosePeriod(page, "year", 2025);
  check(await page.inputValue("#f-from") === "15/12/2024" && await page.inputValue("#f-to") === "14/12/2025",
    `decree 09: the year 2025 is ${await page.inputValue("#f-from")} – ${await page.inputValue("#f-to")}`);
  await page.screenshot({ path: `${OUT}/decree-09.png` });
  check(problems.length === 0, "decree 09 page: " + problems.join("; "));
  await context.close();
}

await seed();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run"],
});
try {
  // FORMS_ONLY=1: the forms of issue 32 alone (while working on them).
  if (process.env.FORMS_ONLY) {
    await forms(browser);
    await adminScreens(browser);
    throw Object.assign(new Error("forms only"), { formsOnly: true });
  }
  // ISSUE33_ONLY=1: issue 33's views alone (while working on them).
  if (process.env.ISSUE33_ONLY) {
    await decreeNine(browser);
    await official33(browser);
    await clerk33(browser);
    throw Object.assign(new Error("issue 33 only"), { formsOnly: true });
  }
  // People, by name and password (issue 30).
  await signInScreen(browser);
  await journey(browser, PEOPLE.clerk, "clerk");
  await journey(browser, PEOPLE.official, "official");
  await lostSession(browser);
  await sessionWarning(browser);
  await secondFactor(browser);
  await adminMustEnrol(browser);
  await passwordChange(browser);
  // Issue 33: what each figure is, for an official and a clerk.
  await official33(browser);
  await clerk33(browser);
  await decreeNine(browser);
  // Last of the sign-ins: it slows this address down.
  await refusals(browser);

  // A dashboard token, in Vietnamese, several filter choices.
  const { context, page, problems } = await open(browser, T.viewer, { width: 1280, height: 900 });
  await loaded(page);
  check((await page.textContent("h1")) === "Tuyên truyền phòng, chống mua bán người", "Vietnamese by default");
  await choosePeriod(page, "all");
  await compare(page, "", "everything", vi);
  await seedFigures(page);
  // The area table tells the two "Tỉnh Thái Nguyên" apart by their dates.
  const provincesShown = await tableOf(page, "#v-area");
  for (const [mark, id] of [["đến 30/06/2025", "tn1"], ["từ 01/07/2025", "tn2"]]) {
    const row = provincesShown.rows.find((r) => r[0] === `Tỉnh Thái Nguyên (${mark})`);
    const want = SEED.find((r) => r.id === id).total;
    check(row && measuresOf(provincesShown, row, "vi").attendances === vi(want), `area table: Thái Nguyên (${mark}): ${row}`);
  }
  // So does the agency × province table, each agency's cell its own
  // (the service names units sharing a code with their dates).
  await page.selectOption("#cross-measure", "attendances");
  await loaded(page);
  const agencyNames = Object.fromEntries((await api("GET", "/api/v1/agencies", T.viewer)).map((a) => [a.code, a.name]));
  const crossShown = await tableOf(page, "#v-cross");
  for (const [mark, id] of [["đến 30/06/2025", "tn1"], ["từ 01/07/2025", "tn2"]]) {
    const seed = SEED.find((r) => r.id === id);
    const row = crossShown.rows.find((r) => r[0] === `Tỉnh Thái Nguyên (${mark})`);
    const want = crossShown.head.slice(1, -1).map((h) => (h === agencyNames[seed.agency] ? vi(seed.total) : vi(0)));
    check(row && row.slice(1, -1).join("|") === want.join("|") && row[row.length - 1] === vi(seed.total),
      `agency × province: Thái Nguyên (${mark}) reads ${row}, expected ${want} and ${vi(seed.total)}`);
  }
  for (const view of ["v-summary", "v-agency", "v-kind", "v-month", "v-overlap", "v-frequency", "v-area", "v-cross"]) {
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
  const units = await tableOf(page, "#v-area");
  for (const r of below.rows) {
    const row = units.rows.find((u) => u[0] === r[key + "_name"]);
    const m = row && measuresOf(units, row, "vi");
    check(m && m.sessions === vi(r.sessions) && m.attendances === vi(r.attendances) && m.people === vi(r.unique_participants)
      && m.share.endsWith(pct(r.identified_share, vi)) && m.range === rangeCell(r.reach_min, r.reach_max, vi)
      && m.items === vi(r.media_items) && m.audience === vi(r.audience), `area ${r[key]}: ${JSON.stringify(m)}`);
  }
  await page.locator("#v-area").screenshot({ path: `${OUT}/v-area-units.png` });
  await page.click("#area-back");
  // An area found by its name without accents.
  await page.fill("#f-from", "");
  await page.fill("#f-to", "");
  await page.fill("#f-area-q", "ba dinh");
  const ward = page.locator("#f-area-results button", { hasText: "Phường Ba Đình" }).first();
  await ward.waitFor({ timeout: 10000 });
  const choice = await ward.textContent();
  check(choice === "Phường Ba Đình (từ 01/07/2025)", "accent-insensitive area search, the ward marked as of the reform: " + choice);
  const code = await ward.getAttribute("data-code");
  await ward.click();
  await page.click("#apply");
  await loaded(page);
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
    await choosePeriod(page, "all");
    const link = page.locator("#v-agency tbody tr:first-child a.fig").first();
    const shown = await link.textContent();
    await link.click();
    await page.waitForSelector("#drill:not([hidden]) table", { timeout: 10000 });
    const caption = await page.textContent("#drill caption");
    check(caption.startsWith(shown + " buổi, lớp"), `drill-down lists ${caption} for a row of ${shown} sessions`);
    // Above the list, the row's people in words, as computed here.
    const names = Object.fromEntries((await api("GET", "/api/v1/agencies", T.admin)).map((a) => [a.name, a.code]));
    const first = (await page.textContent("#v-agency tbody tr:first-child th")).trim();
    const said = (await page.textContent("#drill .drill-people")).trim();
    check(said === peopleWords(expected(byAgency(names[first]))), `drill-down of ${first} says: ${said}`);
    // The Women's Union's row: the broadcast listed apart, with no person-time.
    await page.locator("#v-agency tbody tr", { hasText: "Phụ nữ" }).locator("a.fig").first().click();
    await page.waitForFunction(() => [...document.querySelectorAll("#drill tbody th")].some((th) => th.textContent.endsWith(": b1")),
      null, { timeout: 10000 });
    const listed = await tableOf(page, "#drill");
    const b1 = listed.rows.find((r) => r[0].endsWith(": b1"));
    const m = b1 && measuresOf(listed, b1, "vi");
    check(m && m.sessions === "–" && m.attendances === "–" && m.here === "–" && m.items === "3" && m.audience === "5.000",
      "drill-down: the broadcast " + JSON.stringify(m));
    const t1 = measuresOf(listed, listed.rows.find((r) => r[0].endsWith(": t1")), "vi");
    check(t1.sessions === "12" && t1.attendances === "600" && t1.here === "0" && t1.share === "≥ 0,0%" && t1.items === "–",
      "drill-down: the tally of 12 sessions " + JSON.stringify(t1));
    // Its last line: the row's people once each, as computed here, not
    // the sum of the activities' own.
    const wu = expected(byAgency("womens-union"));
    const last = measuresOf(listed, listed.rows[listed.rows.length - 1], "vi");
    const perActivity = listed.rows.slice(0, -1).map((r) => measuresOf(listed, r, "vi").here)
      .filter((v) => v !== "–").reduce((a, v) => a + Number(v.replace(/\./g, "")), 0);
    check(listed.rows[listed.rows.length - 1][0] === "Hội Liên hiệp Phụ nữ tỉnh (không tính trùng)" && last.here === vi(wu.unique)
      && last.attendances === vi(wu.attendances) && perActivity !== wu.unique && await text(page, "#drill-title") === "Chi tiết các hoạt động",
    `drill-down: the last line ${JSON.stringify(last)} is the row's ${wu.unique} people (the activities add up to ${perActivity})`);
    await page.locator("#drill").screenshot({ path: `${OUT}/drill.png` });
    check(problems.length === 0, "admin page: " + problems.join("; "));
    await context.close();
  }

  // 360 px wide: no horizontal scrolling.
  {
    const { context, page, problems } = await open(browser, T.viewer, { width: 360, height: 800 });
    await loaded(page);
    await choosePeriod(page, "all");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 360, "360 px: the page is " + width + " px wide");
    await noSmallText(page, "360 px");
    const wide = await page.$$eval("#views .table", (ts) => ts.filter((t) => t.scrollWidth > t.clientWidth + 1).length);
    check(wide === 0, `360 px: ${wide} tables scroll sideways`);
    await page.screenshot({ path: `${OUT}/dashboard-360.png`, fullPage: true });
    check(problems.length === 0, "360 px page: " + problems.join("; "));
    await context.close();
  }

  // August is locked (issue 28): the live figures say so, in plain words,
  // and the signed publication is one click away.
  {
    const { context, page, problems } = await open(browser, T.viewer, { width: 1280, height: 900 });
    await loaded(page);
    await choosePeriod(page, "all");
    check(await page.isVisible("#locked"), "the locked-period notice is shown");
    const text = await page.textContent("#locked-text");
    check(text.includes("tháng 8/2025") && text.startsWith("Kỳ đã khóa sổ"), "locked notice: " + text);
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
    check(signed.startsWith("Số liệu tháng 8/2025 đã khóa sổ và đã công bố"), "signed label: " + signed);
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
    // Withheld: the measures shown, and the share where a figure it is
    // worked out from is withheld.
    const shownMeasures = ["sessions", "attendances", "unique_participants", "reach_max", "first_time_participants",
      "media_items", "audience", "people"];
    const withheld = pub.tables.flatMap((t) => [...t.rows.map((r) => r.suppressed), t.totals.suppressed].map((sup) =>
      sup.filter((m) => shownMeasures.includes(m)).length
      + (t.measures.includes("identified_attendances") && sup.some((m) => ["identified_attendances", "attendances"].includes(m)) ? 1 : 0)))
      .reduce((a, b) => a + b, 0);
    check(cells.filter(([, c]) => c.includes("suppressed")).length === withheld,
      `public: ${withheld} withheld cells marked`);
    // The period's people and mass media, as computed here from August's
    // records (where the publication did not withhold them).
    const aug = expected(SEED.filter((r) => r.day.startsWith("2025-08")));
    const byAgencyTable = pub.tables.find((t) => t.name === "agency");
    const off = byAgencyTable.totals.suppressed;
    if (!["unique_participants", "identified_attendances", "attendances", "reach_max"].some((m) => off.includes(m))) {
      const people = (await page.textContent("#pub-summary .pub-people")).trim();
      check(people === `${vi(aug.unique)} người có CCCD/SĐT (đã loại trùng) (${aug.floor ? "ít nhất " : ""}${pct(aug.share, vi)} lượt tham dự); `
        + `ước tính không quá ${vi(aug.reachMax)} người khác nhau.`, "public: the period's people: " + people);
    } else console.log("browser: public people line not checked (withheld: " + off + ")");
    if (!off.includes("media_items") && !off.includes("audience")) {
      const media = (await page.textContent("#pub-summary .pub-media")).trim();
      check(media === `Tin, bài, chương trình: ${vi(aug.items)} — ước tính ${vi(aug.audience)} lượt người nghe, xem, đọc `
        + "(không tính vào lượt tham dự).", "public: mass media apart: " + media);
    }
    const shownPub = await tableOf(page, "#pub-body .table");
    const total = measuresOf(shownPub, shownPub.rows[shownPub.rows.length - 1], "vi");
    const or = (m, v) => (off.includes(m) ? "không công bố" : v);
    check(total.sessions === or("sessions", vi(aug.sessions)) && total.attendances === or("attendances", vi(aug.attendances))
      && total.people === or("unique_participants", vi(aug.unique))
      && total.range === or("reach_max", `không quá ${vi(aug.reachMax)}`)
      && total.items === or("media_items", vi(aug.items)) && total.audience === or("audience", vi(aug.audience)),
      "public: the table's totals " + JSON.stringify(total));
    check(cells.every(([text, c]) => !c.includes("suppressed") || text === "không công bố"), "withheld cells say so");
    check((await page.isHidden("#views")), "public: no ad-hoc views");
    // No code in what the public reads: names, months written as here.
    const said = await page.textContent("#publications");
    const codes = said.match(/\b(agency|kind|topic|target_group|ethnic_minorities|womens-union|police|area:\w+|period:\w+)\b|\b\d{4}-\d{2}\b/g);
    check(!codes, "public: no codes shown: " + codes);
    check((await text(page, "#publications [data-i18n=withheldNote]")).startsWith("Số liệu nhỏ được ẩn"), "public: why cells are withheld");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#pub-report-docx")]);
    const report = docxText(await dl.path());
    check(dl.suggestedFilename().endsWith(".docx") && report.includes("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
      `public report ${dl.suggestedFilename()}: ` + report.slice(0, 300));
    await page.locator("#publications").screenshot({ path: `${OUT}/publications.png` });
    await page.screenshot({ path: `${OUT}/public.png`, fullPage: true });
    await fits360(page, "publications");
    await page.screenshot({ path: `${OUT}/publications-360.png`, fullPage: true });
    check(problems.length === 0, "public page: " + problems.join("; "));
    await context.close();
  }
  // The clerk's activities and answers by the forms (issue 32): last, as
  // they add 2024 activities to the seed; then an admin locks and
  // publishes what the clerk imported.
  await forms(browser);
  await adminScreens(browser);
} catch (e) {
  if (!e.formsOnly) throw e;
} finally {
  await browser.close();
}
if (failures) {
  console.error(`browser: ${failures} check(s) failed`);
  process.exit(1);
}
console.log(`browser: all ${checks} checks passed; screenshots in ${OUT}`);
