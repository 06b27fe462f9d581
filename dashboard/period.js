// The period picker of the figures screen: a quarter, six months (first
// or second half), nine months, a year, dates of one's own, or the whole
// time. It fills the two date fields, written dd/mm/yyyy whatever the
// browser's language (text fields, as in the activity form, not the
// browser's own date fields), and names the period in words for the
// headline ("Quý III/2024", "6 tháng đầu năm 2024", "Từ 05/03/2024 đến
// 20/04/2024", "Toàn bộ thời gian").
import { dmy, fmtDate, parseDmy, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const KINDS = ["quarter", "half", "nine", "year", "custom", "all"];
const ROMAN = ["I", "II", "III", "IV"];
const FIRST_YEAR = 2015;

const pad = (n) => String(n).padStart(2, "0");
const isoOf = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

// The deployment's reporting months (GET /whoami `reporting_periods`):
// "calendar", or "decree-09" (Decree 09/2019/NĐ-CP: a month runs from the
// 15th of the month before to the 14th; quarter III is 15/6 to 14/9).
let rule = "calendar";

/** Sets the rule reporting months are cut by. */
export function setRule(r) {
  rule = r === "decree-09" ? "decree-09" : "calendar";
}

// The first day of reporting month m (1-12, or beyond: 13 is January of
// the next year) of year y, as a UTC date.
function monthStart(y, m) {
  return rule === "decree-09" ? new Date(Date.UTC(y, m - 2, 15)) : new Date(Date.UTC(y, m - 1, 1));
}

/** The first and last days of a named period, as ISO dates ("" for the whole time). */
export function boundsOf(kind, year, part) {
  const y = Number(year);
  const span = (a, b) => [isoOf(monthStart(y, a)), isoOf(new Date(monthStart(y, b + 1).getTime() - 86400000))];
  switch (kind) {
    case "quarter": return span(3 * part - 2, 3 * part);
    case "half": return Number(part) === 1 ? span(1, 6) : span(7, 12);
    case "nine": return span(1, 9);
    case "year": return span(1, 12);
    default: return ["", ""];
  }
}

/** The first and last days of a period code (2025, 2025-Q3, 2025-07), ISO. */
export function codeBounds(p) {
  const y = Number(p.slice(0, 4));
  const q = p.match(/^\d{4}-Q([1-4])$/);
  const m = p.match(/^\d{4}-(\d{2})$/);
  const span = (a, b) => [isoOf(monthStart(y, a)), isoOf(new Date(monthStart(y, b + 1).getTime() - 86400000))];
  return q ? span(3 * q[1] - 2, 3 * q[1]) : m ? span(Number(m[1]), Number(m[1])) : span(1, 12);
}

/** The named period the dates are exactly, or null: { kind, year, part }. */
export function namedOf(from, to) {
  if (!from || !to) return null;
  // A reporting year ends in its own calendar year (under Decree 09 it
  // starts on 15 December of the one before).
  const y = Number(to.slice(0, 4));
  const same = (kind, part) => { const [f, l] = boundsOf(kind, y, part); return f === from && l === to; };
  for (const q of [1, 2, 3, 4]) if (same("quarter", q)) return { kind: "quarter", year: y, part: q };
  for (const h of [1, 2]) if (same("half", h)) return { kind: "half", year: y, part: h };
  if (same("nine")) return { kind: "nine", year: y, part: null };
  if (same("year")) return { kind: "year", year: y, part: null };
  return null;
}

/** The period in words, as the headline starts: "Quý III/2024",
 * "6 tháng đầu năm 2024", "Từ 05/03/2024 đến 20/04/2024", "Toàn bộ thời gian". */
export function periodName(from, to) {
  const n = namedOf(from, to);
  if (n) {
    if (n.kind === "quarter") return t("pQuarter", { q: ROMAN[n.part - 1], n: n.part, y: n.year });
    if (n.kind === "half") return t(n.part === 1 ? "pFirstHalf" : "pSecondHalf", { y: n.year });
    if (n.kind === "nine") return t("pNine", { y: n.year });
    return t("pYear", { y: n.year });
  }
  if (from && to) return t("pRange", { from: fmtDate(from), to: fmtDate(to) });
  if (from) return t("pFrom", { from: fmtDate(from) });
  if (to) return t("pTo", { to: fmtDate(to) });
  return t("pAll");
}

// Today in Vietnam (UTC+7): its reporting year and quarter (under Decree
// 09, from the 15th a day belongs to the next month).
function today(now) {
  const d = new Date(now + 7 * 3600 * 1000);
  let m = d.getUTCFullYear() * 12 + d.getUTCMonth();
  if (rule === "decree-09" && d.getUTCDate() >= 15) m += 1;
  return { y: Math.floor(m / 12), q: Math.floor((m % 12) / 3) + 1 };
}

function fillSelect(select, values, label) {
  const current = select.value;
  select.replaceChildren(...values.map((v) => new Option(label(v), String(v))));
  if (current && values.map(String).includes(current)) select.value = current;
}

// The part field: quarters or halves, hidden for the other kinds; the year
// hidden for dates of one's own and the whole time.
function showParts() {
  const kind = $("f-period").value;
  const partBox = $("f-part-box");
  partBox.hidden = kind !== "quarter" && kind !== "half";
  $("f-year-box").hidden = kind === "custom" || kind === "all";
  if (kind === "quarter") {
    $("f-part-label").textContent = t("quarterPart");
    fillSelect($("f-part"), [1, 2, 3, 4], (q) => ROMAN[q - 1]);
  } else if (kind === "half") {
    $("f-part-label").textContent = t("halfPart");
    if (Number($("f-part").value) > 2) $("f-part").value = "1";
    fillSelect($("f-part"), [1, 2], (h) => t("halves")[h]);
  }
}

// The kind, year and part chosen: the date fields say their days.
function fillDates() {
  const kind = $("f-period").value;
  if (kind === "custom") return;
  const [from, to] = boundsOf(kind, $("f-year").value, Number($("f-part").value || 1));
  $("f-from").value = dmy(from);
  $("f-to").value = dmy(to);
  showError(null);
}

function showError(key) {
  const e = $("f-period-error");
  e.hidden = !key;
  e.textContent = key ? t(key) : "";
  for (const id of ["f-from", "f-to"]) $(id).removeAttribute("aria-invalid");
}

/** Sets the picker: a named period (kind, year, part), "all", or "custom" with ISO dates. */
export function setPeriod(kind, year, part, from = "", to = "") {
  $("f-period").value = kind;
  if (year) $("f-year").value = String(year);
  showParts();
  if (part) $("f-part").value = String(part);
  if (kind === "custom") {
    $("f-from").value = dmy(from);
    $("f-to").value = dmy(to);
  } else fillDates();
}

/** The current quarter (in Vietnam), what the figures open with. */
export function setCurrentQuarter(now) {
  const { y, q } = today(now);
  setPeriod("quarter", y, q);
}

/** The dates chosen, ISO ("" when open), or { error } when a field is not a date. */
export function readPeriod() {
  const from = parseDmy($("f-from").value);
  const to = parseDmy($("f-to").value);
  showError(null);
  if (from === null || to === null) {
    showError("badDate");
    $(from === null ? "f-from" : "f-to").setAttribute("aria-invalid", "true");
    return { error: t("badDate") };
  }
  if (from && to && from > to) {
    showError("badOrder");
    $("f-to").setAttribute("aria-invalid", "true");
    return { error: t("badOrder") };
  }
  return { from, to };
}

/** The picker's words in the chosen language (its choices kept). */
export function translatePeriod(now) {
  const { y } = today(now);
  const years = [];
  for (let n = y; n >= FIRST_YEAR; n--) years.push(n);
  fillSelect($("f-period"), KINDS, (k) => t("periodKinds")[k]);
  fillSelect($("f-year"), years, String);
  if (!$("f-year").value) $("f-year").value = String(y);
  showParts();
}

/** Wires the picker: choosing a kind, year or part fills the dates; typing
 * a date makes the period one's own (or the named one it is exactly). */
export function initPeriod(now) {
  translatePeriod(now);
  for (const id of ["f-period", "f-year", "f-part"]) {
    $(id).addEventListener("change", () => { showParts(); fillDates(); });
  }
  for (const id of ["f-from", "f-to"]) {
    $(id).addEventListener("input", () => {
      const from = parseDmy($("f-from").value);
      const to = parseDmy($("f-to").value);
      const named = from && to ? namedOf(from, to) : null;
      if (named) {
        $("f-period").value = named.kind;
        $("f-year").value = String(named.year);
        showParts();
        if (named.part) $("f-part").value = String(named.part);
      } else {
        $("f-period").value = from === "" && to === "" ? "all" : "custom";
        showParts();
      }
    });
  }
}
