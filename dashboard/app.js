// The dashboard screen: filters, and views drawn from the service's own
// answers, once session.js has signed the person (or a token) in. Every
// view opens with a headline that names what its figures are: the period
// in words, the area by name (or the agency's own activities), then
// activities and sessions, person-times, people and their range. The page
// never adds unique counts up: every people total shown is the service's,
// and every total row says over what it is ("Toàn tỉnh Bắc Kạn (không
// tính trùng)"). Figures link to the drill-down for those who may read it
// (admins and agencies). Every request goes through api.js.
import { authMode, download as fetchFile, request, serverNow } from "./api.js";
import { Charts } from "./charts.js";
import { fmt, fmtDate, fmtMonth, fmtShare, getLang, periodWords, setLang, t, translatePage } from "./i18n.js";
import { codeBounds, initPeriod, periodName as namePeriod, readPeriod, setCurrentQuarter, setPeriod, setRule, translatePeriod } from "./period.js";
import { renderWho, startSession } from "./session.js";
import { closeEvents, showList, translateEvents } from "./events.js";
import { closeConsent, pendingCount, showConsent, translateConsent } from "./consent.js";
import { closeImports, showImports, translateImports } from "./imports.js";
import { closePeriods, showPeriods, translatePeriods } from "./admin-periods.js";
import { closePrivacy, showPrivacy, translatePrivacy } from "./admin-privacy.js";
import { closePeople, showPeople, translatePeople } from "./admin-people.js";

const $ = (id) => document.getElementById(id);
// `gen` changes at every sign-in and sign-out: answers that arrive for an
// earlier one are dropped. `area`: the unit chosen ({ code, name, level,
// valid_from, valid_until }); `areaLevel`: the unit the area table is
// opened at (kept while only other filters change); `agency`: an agency
// account's own agency (its figures are its own activities).
const state = { signedIn: false, gen: 0, role: null, isPublic: false, agency: null, area: null, areaLevel: null,
  agencies: [], names: {}, live: new Set(), periodSet: false, shownArea: undefined };
const KINDS = ["training_class", "community_meeting", "campaign_launch", "law_dissemination", "integrated_lesson",
  "extracurricular", "home_visit", "media_broadcast", "loudspeaker", "printed_materials", "online_post", "other"];
const TOPICS = ["human_trafficking", "drug_prevention", "crime_prevention", "social_evils", "gender_equality",
  "child_protection", "safe_migration", "other"];
const TARGETS = ["students", "women", "girls", "youth", "ethnic_minorities", "migrant_workers", "general_public",
  "officials", "returnees"];
const CROSS_MEASURES = ["attendances", "unique_participants", "sessions"];

function status(text, error) {
  const line = $("status");
  delete line.dataset.i18n;
  delete line.dataset.i18nArgs;
  line.textContent = text;
  line.className = error ? "error" : "";
}

const api = (path) => request(path);

// ---- text of the page ----
function translate() {
  translatePage();
  $("lang").textContent = t("lang");
  fillSelect($("f-kind"), KINDS, t("kinds"));
  fillSelect($("f-topic"), TOPICS, t("topics"));
  fillSelect($("f-target"), TARGETS, t("targetGroups"));
  fillSelect($("f-agency"), state.agencies.map((a) => a.code), state.names);
  const measure = $("cross-measure").value || CROSS_MEASURES[0];
  $("cross-measure").replaceChildren(...CROSS_MEASURES.map((m) => new Option(t(MEASURE_WORDS[m]), m)));
  $("cross-measure").value = measure;
  translatePeriod(serverNow());
  showArea();
  renderWho();
}

const MEASURE_WORDS = { attendances: "attendances", unique_participants: "people", sessions: "sessions" };

function fillSelect(select, values, labels) {
  const current = select.value;
  select.replaceChildren(new Option(t("all"), ""));
  for (const v of values) select.appendChild(new Option(labels[v] || v, v));
  select.value = current;
}

// ---- names of places and scopes ----
/** "Tỉnh Bắc Kạn" → "tỉnh Bắc Kạn": the level word inside a sentence. */
const lowerFirst = (name) => name.charAt(0).toLowerCase() + name.slice(1);
const upperFirst = (text) => text.charAt(0).toUpperCase() + text.slice(1);

// A unit's time, when the 2025 reform began or ended it: "(đến
// 30/06/2025)", "(từ 01/07/2025)"; two units of the same name (two "Tỉnh
// Thái Nguyên") are told apart by it.
function validity(a) {
  if (a.valid_from && a.valid_until) return t("validBoth", { from: fmtDate(a.valid_from), to: fmtDate(a.valid_until) });
  if (a.valid_until) return t("validUntil", { date: fmtDate(a.valid_until) });
  if (a.valid_from) return t("validFrom", { date: fmtDate(a.valid_from) });
  return "";
}
const unitLabel = (a) => (validity(a) ? `${a.name} (${validity(a)})` : a.name);

// The whole of the area chosen, or of the country: "Toàn tỉnh Bắc Kạn".
function areaWords() {
  return state.area ? t("wholeArea", { name: lowerFirst(state.area.name) }) : t("wholeCountry");
}

// What the page's totals are over: the area's (with the agency filter), or
// an agency account's own activities.
function scopeWords() {
  const chosen = $("f-agency").value;
  if (state.role === "agency" && state.agency) {
    const agency = state.names[state.agency] || state.agency;
    return state.area ? t("agencyOwnIn", { agency, area: lowerFirst(areaWords()) }) : t("agencyOwn", { agency });
  }
  return chosen ? t("scopeWithAgency", { area: areaWords(), agency: state.names[chosen] || chosen }) : areaWords();
}

// A total row's name: "Toàn tỉnh Bắc Kạn (không tính trùng)", "Hội LHPN
// tỉnh (hoạt động của đơn vị)"; `over`: a unit drilled into instead.
function totalLabel(over) {
  if (state.role === "agency" && state.agency && !over) return scopeWords();
  return t("total", { scope: over || scopeWords() });
}

function showArea() {
  $("f-area-chosen").textContent = state.area ? `${t("area")}: ${unitLabel(state.area)}` : `${t("area")}: ${t("wholeCountry")}`;
  $("f-area-clear").hidden = !state.area;
}

// ---- filters ----
// The slice of the filters, or null when a date is not one (said by the field).
function slice() {
  const period = readPeriod();
  if (period.error) return null;
  const q = new URLSearchParams();
  if (period.from) q.set("from", period.from);
  if (period.to) q.set("to", period.to);
  if ($("f-agency").value) q.set("agency", $("f-agency").value);
  if ($("f-kind").value) q.set("kind", $("f-kind").value);
  if ($("f-topic").value) q.set("topic", $("f-topic").value);
  if ($("f-target").value) q.set("target_group", $("f-target").value);
  if (state.area) q.set("area", state.area.code);
  return q;
}

function withParams(q, extra) {
  const out = new URLSearchParams(q);
  for (const [k, v] of Object.entries(extra)) out.set(k, v);
  return out.toString();
}

const todayIso = () => new Date(serverNow() + 7 * 3600 * 1000).toISOString().slice(0, 10);

// The days whose units the search looks in: the period's first and last
// (a period across the 2025 reform finds the units of both sides); with
// no period, today's and those of the day before the reform.
function searchDays() {
  const p = readPeriod();
  const days = p.error ? [] : [p.from, p.to].filter(Boolean);
  if (!days.length) days.push(todayIso(), "2025-06-30");
  return [...new Set(days)];
}

let searchTimer = null;
function searchAreas() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = $("f-area-q").value.trim();
    const list = $("f-area-results");
    const said = $("f-area-status");
    list.replaceChildren();
    said.textContent = "";
    if (text.length < 2) return;
    try {
      const found = new Map();
      for (const on of searchDays()) {
        const page = await api("/api/v1/areas?" + new URLSearchParams({ q: text, on, limit: "20" }));
        for (const a of page.items) found.set(`${a.code}|${a.valid_from || ""}`, a);
      }
      if (text !== $("f-area-q").value.trim()) return;
      const rank = { province: 0, district: 1, commune: 2, village: 3 };
      const items = [...found.values()].sort((a, b) => (rank[a.level] ?? 9) - (rank[b.level] ?? 9)).slice(0, 12);
      if (!items.length) said.textContent = t("areaNone");
      for (const a of items) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = unitLabel(a);
        b.dataset.code = a.code;
        b.addEventListener("click", () => {
          state.area = { code: a.code, name: a.name, level: a.level, valid_from: a.valid_from || null,
            valid_until: a.valid_until || null };
          list.replaceChildren();
          $("f-area-q").value = "";
          showArea();
          $("apply").focus();
        });
        li.appendChild(b);
        list.appendChild(li);
      }
    } catch (e) {
      fail(e);
    }
  }, 250);
}

// The area chosen did not exist in the period chosen (a unit of before or
// after the 2025 reform): the warning, or null when it did.
function areaGone(base) {
  const a = state.area;
  if (!a || (!a.valid_from && !a.valid_until)) return null;
  const from = base.get("from");
  const to = base.get("to");
  const before = a.valid_from && to && to < a.valid_from;
  const after = a.valid_until && from && from > a.valid_until;
  return before || after ? t("areaGone", { name: a.name, valid: validity(a) }) : null;
}

// ---- tables ----
const canDrill = () => state.role === "admin" || state.role === "agency";

// A figure: a link to its drill-down when the token may read it (`row`:
// the measures of the row it belongs to, `name` the row's name).
function figure(value, drillQuery, row = null, name = "") {
  const td = document.createElement("td");
  td.className = "n";
  if (drillQuery !== null && canDrill() && value) {
    const a = document.createElement("a");
    a.href = "#drill";
    a.className = "fig";
    a.textContent = fmt(value);
    a.dataset.drill = drillQuery;
    a.addEventListener("click", (ev) => { ev.preventDefault(); drill(drillQuery, row, name); });
    td.appendChild(a);
  } else {
    td.textContent = fmt(value);
  }
  return td;
}

function table(container, caption, headers, rows, total) {
  const tbl = document.createElement("table");
  const cap = document.createElement("caption");
  cap.textContent = caption;
  tbl.appendChild(cap);
  const head = tbl.createTHead().insertRow();
  headers.forEach((h, i) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    if (i > 0) th.className = "n";
    head.appendChild(th);
  });
  const body = tbl.createTBody();
  const add = (r, cls) => {
    const tr = body.insertRow();
    if (cls) tr.className = cls;
    const th = document.createElement("th");
    th.scope = "row";
    if (r.labelNode) th.appendChild(r.labelNode); else th.textContent = r.label;
    tr.appendChild(th);
    r.cells.forEach((c) => tr.appendChild(c));
  };
  rows.forEach((r) => add(r));
  if (total) add(total, "total");
  // Each cell names its column: a wide table is shown as one block per row
  // on a phone (app.css), each figure beside its name.
  if (headers.length > 4) tbl.className = "wide";
  for (const tr of body.rows) {
    [...tr.cells].forEach((c, i) => { if (i > 0 && headers[i]) c.dataset.label = headers[i]; });
  }
  container.replaceChildren(tbl);
}

// ---- people figures ----
// A row's identified share is a lower bound when a record of it covers
// several sessions (each identified person counts once per record). It is
// exact only when every record that is not mass media is one session, that
// is when sessions = events - media_items (media items are at least the
// mass-media records): unknown figures make it a lower bound.
function shareIsFloor(m) {
  if ([m.sessions, m.events, m.media_items].some((v) => v === null || v === undefined)) return true;
  return m.sessions !== m.events - m.media_items;
}

function numCell(text, cls = "n") {
  const td = document.createElement("td");
  td.className = cls;
  td.textContent = text;
  return td;
}

// The identified share: "4,2%", "≥ 4,2%" when only a lower bound (said in
// its title and in the note under the tables).
function shareCell(share, floor) {
  if (share === null || share === undefined) return numCell("–");
  const td = numCell((floor ? "≥ " : "") + fmtShare(share), "n share");
  if (floor) td.title = t("shareFloorTitle");
  return td;
}

// The range of different people: "1.208–13.210", one number when it
// collapses, "không quá 13.210" when only the upper bound is known.
function rangeText(min, max) {
  if (max === null || max === undefined) return "–";
  if (min === null || min === undefined) return max === 0 ? fmt(0) : t("rangeMaxCell", { n: fmt(max) });
  return min === max ? fmt(min) : `${fmt(min)}–${fmt(max)}`;
}

// The same in words: "ước tính từ 1.208 đến 13.210 người khác nhau".
function rangeWords(min, max) {
  if (min === null || min === undefined) return t("rangeMax", { n: fmt(max) });
  return min === max ? t("rangeOne", { n: fmt(min) }) : t("rangeBoth", { min: fmt(min), max: fmt(max) });
}

// "596 người được định danh (4,2% lượt tham dự); ước tính từ 1.208 đến
// 13.210 người khác nhau" (the report's sentence).
function peopleWords(m) {
  let s = t("peopleLine", { n: fmt(m.unique_participants) });
  if (m.identified_share !== null && m.identified_share !== undefined) {
    s += ` (${t(shareIsFloor(m) ? "shareOfFloor" : "shareOf", { share: fmtShare(m.identified_share) })})`;
  }
  return s + "; " + rangeWords(m.reach_min, m.reach_max);
}

const hasMedia = (m) => Boolean(m.media_items || m.audience);

// The columns of a table of measures, and a row's cells (mass media apart,
// when the answer has any).
function measureHeads(media) {
  return [t("sessions"), t("attendances"), t("people"), t("share"), t("range"),
    ...(media ? [t("mediaItems"), t("audience")] : [])];
}

function measureCells(m, drillQuery, media, name = "") {
  return [figure(m.sessions, drillQuery, m, name), figure(m.attendances, drillQuery, m, name),
    figure(m.unique_participants, drillQuery, m, name),
    shareCell(m.identified_share, shareIsFloor(m)), numCell(rangeText(m.reach_min, m.reach_max)),
    ...(media ? [figure(m.media_items, drillQuery, m, name), figure(m.audience, null)] : [])];
}

// ---- the headline ----
// The period in words, the area by name (or the agency's own activities),
// then the figures as sentences, each number in a span of its own.
function renderHeadline(base, m, overlap) {
  $("head-title").textContent = `${namePeriod(base.get("from") || "", base.get("to") || "")} · ${areaWords()}`;
  const scope = state.role === "agency" && state.agency ? scopeWords()
    : $("f-agency").value ? scopeWords() : "";
  $("head-scope").textContent = scope;
  $("head-scope").hidden = !scope;
  const only = [
    $("f-kind").value && `${t("kind")}: ${t("kinds")[$("f-kind").value]}`,
    $("f-topic").value && `${t("topic")}: ${t("topics")[$("f-topic").value]}`,
    $("f-target").value && `${t("targetGroup")}: ${t("targetGroups")[$("f-target").value]}`,
  ].filter(Boolean);
  $("head-filters").textContent = only.length ? t("headFilters", { list: only.join("; ") }) : "";
  $("head-filters").hidden = !only.length;
  const ul = $("head-figs");
  ul.replaceChildren();
  // A sentence of the catalog with its numbers marked: `{events}` becomes
  // <span class="num" data-k="events">12</span>.
  const line = (key, nums, cls) => {
    const li = document.createElement("li");
    li.className = cls;
    const text = t(key);
    let at = 0;
    for (const m2 of text.matchAll(/\{(\w+)\}/g)) {
      li.append(text.slice(at, m2.index));
      const v = nums[m2[1]];
      const span = document.createElement("span");
      span.className = "num";
      span.dataset.k = m2[1] === "n" ? cls : m2[1];
      span.textContent = v;
      li.append(span);
      at = m2.index + m2[0].length;
    }
    li.append(text.slice(at));
    ul.appendChild(li);
  };
  if (!m) return;
  // A period with nothing recorded says so before its zeros.
  if (!m.events) line("headNone", {}, "none");
  line("headEvents", { events: fmt(m.events), sessions: fmt(m.sessions) }, "events");
  line("headAttendances", { n: fmt(m.attendances) }, "attendances");
  if (m.identified_share === null || m.identified_share === undefined) line("headPeopleNoShare", { n: fmt(m.unique_participants) }, "people");
  else line(shareIsFloor(m) ? "headPeopleFloor" : "headPeople", { n: fmt(m.unique_participants), share: fmtShare(m.identified_share) }, "people");
  if (m.reach_min !== null && m.reach_min !== undefined && m.reach_max !== null && m.reach_max !== undefined) {
    if (m.reach_min === m.reach_max) line("headRangeOne", { n: fmt(m.reach_min) }, "range");
    else line("headRange", { min: fmt(m.reach_min), max: fmt(m.reach_max) }, "range");
  }
  const several = overlapMany(overlap);
  if (several !== null && several > 0) line("headOverlap", { n: fmt(several) }, "overlap");
  if (hasMedia(m)) line("headMedia", { items: fmt(m.media_items), audience: fmt(m.audience) }, "media");
}

// People reached by two agencies or more: the service's exact
// combinations add up to its people (each person is in one), so those of
// two agencies or more are theirs together; null when one is withheld.
function overlapMany(o) {
  if (!o || o.combinations.some((c) => c.suppressed || c.people === null)) return null;
  return o.combinations.filter((c) => c.agencies.length > 1).reduce((a, c) => a + c.people, 0);
}

// The totals as cards: sessions, person-times, identified people with
// their share and range, and mass media apart.
function renderSummary(m) {
  const card = (id, label, value, details, cls = "") => {
    const div = document.createElement("div");
    div.id = id;
    div.className = "fig-card " + cls;
    const h = document.createElement("h3");
    h.className = "label";
    h.textContent = label;
    const v = document.createElement("p");
    v.className = "value";
    v.textContent = value;
    div.append(h, v);
    for (const [c, text, title] of details) {
      const p = document.createElement("p");
      p.className = "detail " + c;
      p.textContent = text;
      if (title) p.title = title;
      div.appendChild(p);
    }
    return div;
  };
  const floor = shareIsFloor(m);
  const share = m.identified_share === null ? [] : [["share", t(floor ? "shareOfFloor" : "shareOf",
    { share: fmtShare(m.identified_share) }), floor ? t("shareFloorTitle") : null]];
  const range = rangeWords(m.reach_min, m.reach_max);
  $("v-summary").querySelector(".cards").replaceChildren(
    card("sum-sessions", t("sumSessions"), fmt(m.sessions), [["records", t("sumRecords", { n: fmt(m.events) })]]),
    card("sum-attendances", t("sumAttendances"), fmt(m.attendances), [["about", t("sumAttendancesNote")]]),
    card("sum-people", t("sumPeople"), fmt(m.unique_participants),
      [...share, ["range", upperFirst(range)]], "people"),
    card("sum-media", t("sumMedia"), fmt(m.media_items),
      [["audience", t("audienceLine", { n: fmt(m.audience) })], ["apart", t("notAttendance")]], "media"));
  // Mass media only where there is some.
  $("sum-media").hidden = !hasMedia(m);
}

// ---- views ----
function measuresRow(label, m, drillQuery, media) {
  return { label, cells: measureCells(m, drillQuery, media, label) };
}

// Person-times and people never share a scale: one chart each.
function twoCharts(view, items, title) {
  const held = items.filter((i) => i.m.attendances || i.m.unique_participants);
  Charts.bars(view.querySelector(".chart"), held.map((i) => ({ label: i.label, values: [i.m.attendances] })),
    [t("chartAttendances")], fmt, `${title}: ${t("chartAttendances")}`);
  Charts.bars(view.querySelector(".chart.people"), held.map((i) => ({ label: i.label, values: [i.m.unique_participants] })),
    [t("chartPeople")], fmt, `${title}: ${t("chartPeople")}`, 2);
}

function renderGrouped(view, answer, key, labelOf, base) {
  const media = hasMedia(answer.totals);
  const rows = answer.rows.map((r) => measuresRow(labelOf(r[key]), r, withParams(base, { [key]: r[key] }), media));
  const total = measuresRow(totalLabel(), answer.totals, base.toString(), media);
  table(view.querySelector(".table"), t(view.dataset.caption || "byAgency"),
    ["", ...measureHeads(media)], rows, total);
  // Mass-media rows have no person-time and no person: they are in the
  // table's own columns, not in these charts.
  twoCharts(view, answer.rows.map((r) => ({ label: labelOf(r[key]), m: r })), view.querySelector("h2").textContent);
}

// Person-times by sex and age, by agency: the service's totals where
// reported ("–" where none was).
function renderSex(answer) {
  const view = $("v-sex");
  const cells = (m) => [numCell(fmt(m.attendances)), numCell(fmt(m.female_attendances)), numCell(fmt(m.male_attendances)),
    numCell(fmt(m.under_18_attendances))];
  const rows = answer.rows.map((r) => ({ label: state.names[r.agency] || r.agency, cells: cells(r) }));
  table(view.querySelector(".table"), t("bySex"), ["", t("attendances"), t("female"), t("male"), t("under18")], rows,
    { label: totalLabel(), cells: cells(answer.totals) });
  const tot = answer.totals;
  const parts = [["female", tot.female_attendances], ["male", tot.male_attendances], ["under18", tot.under_18_attendances]]
    .filter(([, v]) => v !== null && v !== undefined);
  Charts.bars(view.querySelector(".chart"), parts.map(([k, v]) => ({ label: t(k), values: [v] })),
    [t("chartAttendances")], fmt, t("bySex"), 1);
}

function renderMonths(answer, base) {
  const view = $("v-month");
  const cells = (m, q, name) => [...measureCells(m, q, false, name), figure(m.first_time_participants, null),
    figure(m.cumulative_participants, null)];
  const rows = answer.rows.map((r) => ({ label: fmtMonth(r.period), cells: cells(r, withParams(base, { period: r.period }), fmtMonth(r.period)) }));
  table(view.querySelector(".table"), t("byMonth"), [t("month"), ...measureHeads(false), t("firstTime"), t("cumulative")], rows,
    { label: totalLabel(), cells: cells(answer.totals, base.toString(), totalLabel()) });
  // The charts run over every month from the first to the last, those
  // with nothing recorded at zero: time is to scale.
  const months = [];
  if (answer.rows.length) {
    let [y, m] = answer.rows[0].period.split("-").map(Number);
    const last = answer.rows[answer.rows.length - 1].period;
    for (let n = 0; n < 240; n++) {
      const p = `${y}-${String(m).padStart(2, "0")}`;
      months.push(p);
      if (p >= last) break;
      [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
    }
  }
  const at = Object.fromEntries(answer.rows.map((r) => [r.period, r]));
  const of = (f, none) => months.map((p) => (at[p] ? at[p][f] : none(p)));
  // The cumulative curve stays at its last value over a month with nothing.
  let reached = null;
  const cumulative = months.map((p) => { if (at[p]) reached = at[p].cumulative_participants; return reached; });
  Charts.lines(view.querySelector(".chart"), months.map(fmtMonth), [
    { name: t("attendances"), values: of("attendances", () => 0) },
  ], fmt, `${t("byMonth")}: ${t("attendances")}`);
  Charts.lines(view.querySelector(".chart.people"), months.map(fmtMonth), [
    { name: t("people"), values: of("unique_participants", () => 0) },
    { name: t("firstTime"), values: of("first_time_participants", () => 0) },
    { name: t("cumulative"), values: cumulative },
  ], fmt, `${t("byMonth")}: ${t("people")}`, 1);
}

function renderOverlap(o) {
  const view = $("v-overlap");
  const agencies = [...new Set(o.combinations.flatMap((c) => c.agencies))].sort();
  const rows = o.combinations.map((c) => ({ label: c.agencies.map((a) => state.names[a] || a).join(" + "),
    cells: [numCell(c.suppressed ? t("withheld") : fmt(c.people))] }));
  table(view.querySelector(".table"), t("overlap"), [t("agencies"), t("people")], rows,
    { label: totalLabel(), cells: [numCell(fmt(o.people))] });
  const several = overlapMany(o);
  $("overlap-line").textContent = several === null ? "" : t("headOverlap", { n: fmt(several) }) + ".";
  Charts.upset(view.querySelector(".chart"), o.combinations, agencies, state.names, fmt, t("overlap"));
}

function renderFrequency(f) {
  const view = $("v-frequency");
  const label = (b) => (b.events_at_least ? t("tenPlus") : String(b.events));
  const rows = f.buckets.map((b) => ({ label: label(b), cells: [numCell(fmt(b.people))] }));
  table(view.querySelector(".table"), t("frequency"), [t("nEvents"), t("people")], rows,
    { label: totalLabel(), cells: [numCell(fmt(f.people))] });
  Charts.bars(view.querySelector(".chart"), f.buckets.map((b) => ({ label: label(b), values: [b.people] })),
    [t("people")], fmt, t("frequency"), 2);
  if (f.mean_events_per_person !== null) {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = t("meanNote", { n: fmt(f.mean_events_per_person, 2) });
    view.querySelector(".table").appendChild(note);
  }
}

// The level below a unit: a province's districts, a district's communes
// (a province after the 2025 reform has communes only: asked then).
const LEVEL_BELOW = { province: "area:district", district: "area:commune" };

async function unitsBelow(q, level) {
  let answer = await api("/api/v1/aggregates?" + withParams(q, { group_by: level }));
  if (level === "area:district" && answer.rows.length && answer.rows.every((r) => !r.district)) {
    level = "area:commune";
    answer = await api("/api/v1/aggregates?" + withParams(q, { group_by: level }));
  }
  return { level, answer };
}

// The area table: the units one level below the area chosen (the
// provinces when none is), then, on a click, the units below one of them.
// The unit opened is kept while only other filters change.
async function renderAreas(base) {
  const view = $("v-area");
  const parent = state.areaLevel;
  const q = parent ? withParams(base, { area: parent.code }) : base.toString();
  const start = parent ? LEVEL_BELOW[parent.level] || "area:commune"
    : state.area ? LEVEL_BELOW[state.area.level] || "area:commune" : "area:province";
  const { level, answer } = await unitsBelow(q, start);
  const key = level.split(":")[1];
  const media = hasMedia(answer.totals);
  // Units sharing a code (the two "Tỉnh Thái Nguyên" of the 2025 reform)
  // come named with their dates by the service.
  const rows = answer.rows.map((r) => {
    const code = r[key];
    const name = r[key + "_name"] || "–";
    let labelNode;
    if (key !== "commune" && code) {
      labelNode = document.createElement("button");
      labelNode.type = "button";
      labelNode.className = "link";
      labelNode.textContent = name;
      labelNode.addEventListener("click", () => {
        state.areaLevel = { code, name, level: key, parent: state.areaLevel };
        renderAreas(base).catch(fail);
      });
    }
    const drillQ = code ? withParams(q, { [key]: code, [key + "_name"]: r[key + "_name"] }) : null;
    return Object.assign(measuresRow(name, r, drillQ, media), labelNode ? { labelNode } : {});
  });
  const over = parent ? parent.name : null;
  table(view.querySelector(".table"), over || t("byArea"),
    ["", ...measureHeads(media)], rows, measuresRow(totalLabel(over), answer.totals, q, media));
  $("area-back").hidden = !parent;
  files("area", q, level);
}

// Agencies by the units one level below the area (districts; communes
// after the 2025 reform; provinces with no area): one measure at a time,
// units as rows, agencies as columns, the service's totals for each unit
// (all agencies), for each agency (all units) and for both.
async function renderCross(base, byAgency) {
  const view = $("v-cross");
  const start = state.area ? LEVEL_BELOW[state.area.level] || "area:commune" : "area:province";
  const { level, answer: byUnit } = await unitsBelow(base, start);
  const key = level.split(":")[1];
  const cross = await api("/api/v1/aggregates?" + withParams(base, { group_by: `agency,${level}` }));
  const measure = $("cross-measure").value || "attendances";
  const agencies = byAgency.rows.map((r) => r.agency);
  const cell = (r) => numCell(r ? fmt(r[measure]) : fmt(0));
  // A unit is its code and name (units sharing a code are named with
  // their dates by the service).
  const units = byUnit.rows.map((u) => ({ code: u[key], name: u[key + "_name"] || "–", m: u }));
  // An agency's account has its own column only: no column of all agencies.
  const all = state.role !== "agency";
  const rows = units.map((u) => ({
    label: u.name,
    cells: [...agencies.map((a) => cell(cross.rows.find((r) => r.agency === a && r[key] === u.code
      && (r[key + "_name"] || "–") === u.name))), ...(all ? [cell(u.m)] : [])],
  }));
  const total = { label: totalLabel(), cells: [...agencies.map((a) => cell(byAgency.rows.find((r) => r.agency === a))),
    ...(all ? [cell(byAgency.totals)] : [])] };
  table(view.querySelector(".table"), `${t("cross")} — ${t(MEASURE_WORDS[measure])}`,
    [t("areaUnit"), ...agencies.map((a) => state.names[a] || a), ...(all ? [t("allAgencies")] : [])], rows, total);
  view.querySelector("table").classList.add("cross");
  files("cross", base.toString(), `agency,${level}`);
}

// Saves the service's answer as a file.
function download(path, name, type) {
  return fetchFile(path, name, type).catch(fail);
}

// The workbook of a table: the service's, in the page's language.
function excel(q, groupBy) {
  download("/api/v1/aggregates.xlsx?" + withParams(q, { group_by: groupBy, lang: getLang() }), "so-lieu.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

// The same table as CSV for Excel (the service's, with a byte-order mark).
function csvFile(q, groupBy) {
  download("/api/v1/aggregates/people.csv?" + withParams(q, { group_by: groupBy, lang: getLang() }), "so-lieu.csv", "text/csv");
}

// A table's two downloads.
function files(view, q, groupBy) {
  $(view + "-xlsx").onclick = () => excel(q, groupBy);
  $(view + "-csv").onclick = () => csvFile(q, groupBy);
}

// The report of the figures shown: the same period, area and filters. "In
// báo cáo" opens the printable page in a new tab (a signed-in person's
// session goes with it; a token's page saves it as a file instead), Word
// and PDF are saved as the files the service names.
function report(format) {
  const q = slice();
  if (!q) return;
  q.set("lang", getLang());
  q.set("format", format);
  reportOf(q, format);
}

function reportOf(q, format) {
  const path = "/api/v1/reports/summary?" + q;
  const name = `bao-cao-${q.get("from") || q.get("period") || "toan-bo"}-${q.get("to") || ""}`.replace(/-$/, "");
  if (format === "html") {
    if (state.isToken) {
      download(path, name + ".html", "text/html");
    } else {
      window.open(path, "_blank", "noopener");
    }
    return;
  }
  const types = { docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", pdf: "application/pdf" };
  // The button waits while the service writes the document.
  const buttons = document.querySelectorAll(`#report-${format}, #pub-report-${format}`);
  buttons.forEach((b) => { b.disabled = true; });
  download(path, `${name}.${format}`, types[format]).finally(() => buttons.forEach((b) => { b.disabled = false; }));
}

// A problem, said in the status line, unless the page already acted on
// it (back to the sign-in screen, the password form).
function fail(e) {
  if (e.handled) return;
  status(`${t("error")}: ${e.message}`, true);
}

// The locked period the filters are exactly (its dates, nothing else
// narrowing them), whose signed figures are then shown first. Only dates
// that are a month, a quarter or a year ask the service.
async function exactLocked(base) {
  const only = [...base.keys()].every((k) => k === "from" || k === "to");
  const [from, to] = [base.get("from"), base.get("to")];
  if (!only || !from || !to) return null;
  // The last day is in the period's own month (the 14th under Decree 09).
  const y = to.slice(0, 4);
  const m = Number(to.slice(5, 7));
  const shapes = [y, `${y}-${to.slice(5, 7)}`, `${y}-Q${Math.ceil(m / 3)}`];
  const exact = (p) => { const [f, t] = codeBounds(p); return f === from && t === to; };
  if (!shapes.some(exact)) return null;
  const answer = await api("/api/v1/aggregates?" + base);
  return (answer.meta.locked_periods || []).find(exact) || null;
}

async function load() {
  const base = slice();
  if (!base) {
    status(t("badDate"), true);
    return;
  }
  status(t("loading"));
  const gen = state.gen;
  // The area table stays where it was opened while only other filters change.
  if (state.shownArea !== (state.area ? state.area.code : null)) state.areaLevel = null;
  state.shownArea = state.area ? state.area.code : null;
  try {
    $("pub-mode").hidden = true;
    const gone = areaGone(base);
    $("area-gone").hidden = !gone;
    $("area-gone").textContent = gone || "";
    $("figures").hidden = Boolean(gone);
    if (gone) {
      renderHeadline(base, null, null);
      $("publications").hidden = true;
      $("locked").hidden = true;
      $("views").hidden = false;
      status(t("loaded"));
      return;
    }
    const locked = await exactLocked(base);
    if (locked && !state.live.has(locked) && await showSigned(locked)) return;
    const [byAgency, byKind, byMonth, overlap, frequency] = await Promise.all([
      api("/api/v1/aggregates?" + withParams(base, { group_by: "agency" })),
      api("/api/v1/aggregates?" + withParams(base, { group_by: "kind" })),
      api("/api/v1/aggregates?" + withParams(base, { group_by: "period:month" })),
      api("/api/v1/reach/overlap?" + base),
      api("/api/v1/reach/frequency?" + base),
    ]);
    if (gen !== state.gen) return;
    $("v-agency").dataset.caption = "byAgency";
    $("v-kind").dataset.caption = "byKind";
    // The views are shown first, so that the charts are drawn at the width they have.
    $("publications").hidden = true;
    $("views").hidden = false;
    renderHeadline(base, byAgency.totals, overlap);
    renderSummary(byAgency.totals);
    renderGrouped($("v-agency"), byAgency, "agency", (c) => state.names[c] || c, base);
    renderSex(byAgency);
    renderGrouped($("v-kind"), byKind, "kind", (c) => t("kinds")[c] || c, base);
    renderMonths(byMonth, base);
    renderOverlap(overlap);
    renderFrequency(frequency);
    files("agency", base.toString(), "agency");
    files("kind", base.toString(), "kind");
    files("month", base.toString(), "period:month");
    await Promise.all([renderAreas(base), renderCross(base, byAgency)]);
    if (gen !== state.gen) return;
    showLocked(byAgency.meta.locked_periods || [], locked);
    status(t("loaded"));
  } catch (e) {
    fail(e);
  }
}

// A period code (2025, 2025-Q3, 2025-07) in words: "quý III/2025".
function periodName(p) {
  const q = p.match(/^(\d{4})-Q([1-4])$/);
  if (q) return t("quarterName").replace("{q}", ["I", "II", "III", "IV"][q[2] - 1]).replace("{n}", q[2]).replace("{y}", q[1]);
  const m = p.match(/^(\d{4})-(\d{2})$/);
  if (m) return t("monthName").replace("{m}", String(Number(m[2]))).replace("{y}", m[1]);
  return t("yearName").replace("{y}", p);
}

// A live answer over a locked period says so: what was signed is the
// period's publication, one click away.
// `exact`: the locked period the dates are, whose published figures the
// button goes back to.
function showLocked(periods, exact) {
  $("locked").hidden = periods.length === 0;
  if (!periods.length) return;
  $("locked-text").textContent = t(exact ? "liveNote" : "lockedNote").replace("{periods}", periods.map(periodName).join(", "));
  $("locked-pub").onclick = () => {
    if (exact) {
      state.live.delete(exact);
      load();
    } else loadPublications().catch(fail);
  };
}

// A locked period's signed figures, shown first: its latest publication,
// labelled, with the live figures one click away. False when the period
// has no publication yet (the live figures are shown).
async function showSigned(period) {
  const list = await api("/api/v1/publications?limit=50");
  const versions = list.items.filter((p) => p.period === period);
  if (!versions.length) return false;
  const latest = versions.reduce((a, b) => (b.version > a.version ? b : a));
  await loadPublications(`${period}|${latest.version}`);
  $("locked").hidden = true;
  $("pub-mode-text").textContent = t("signedNote").replace("{period}", periodName(period))
    .replace("{version}", latest.version).replace("{date}", fmtDate(latest.published_at.slice(0, 10)));
  $("pub-live").onclick = () => {
    state.live.add(period);
    load();
  };
  $("pub-mode").hidden = false;
  return true;
}

// ---- drill-down ----
// The activities behind a figure, each with its own figures; the last line
// is the row chosen as the service counts it (`row`: its measures, `name`:
// its name): people deduplicated, never a sum over the activities.
async function drill(query, row, name) {
  try {
    const page = await api("/api/v1/aggregates/events?" + withParams(query, { limit: "100" }));
    const body = $("drill-body");
    const tot = page.totals;
    const media = hasMedia(tot);
    const isMedia = (e) => e.sessions === 0 && hasMedia(e);
    const cells = (e, share, floor, mediaRecord) => {
      const dash = (v) => numCell(mediaRecord ? "–" : fmt(v));
      return [dash(e.sessions), dash(e.attendances), dash(e.identified_attendances),
        mediaRecord ? numCell("–") : shareCell(share, floor),
        ...(media ? [numCell(hasMedia(e) ? fmt(e.media_items) : "–"), numCell(hasMedia(e) ? fmt(e.audience) : "–")] : [])];
    };
    const ratio = (a, b) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : null);
    const rows = page.items.map((e) => {
      const reports = e.reports.map((r) => `${state.names[r.agency] || r.agency}: ${r.title}`).join("; ");
      const hidden = e.hidden_reports ? " · " + t("hiddenReports").replace("{n}", e.hidden_reports) : "";
      return { label: `${fmtDate(e.start_date)} · ${reports}${hidden}`,
        cells: cells(e, ratio(e.identified_attendances, e.attendances), e.sessions > 1, isMedia(e)) };
    });
    const heads = ["", t("sessions"), t("attendances"), t("identifiedHere"), t("share"),
      ...(media ? [t("mediaItems"), t("audience")] : [])];
    // The row chosen: its sessions and person-times (the activities'
    // totals, as the service gives them), its people deduplicated.
    const whole = row || tot;
    const totalCells = [numCell(fmt(tot.sessions)), numCell(fmt(tot.attendances)),
      numCell(row ? fmt(row.unique_participants) : "–"),
      row ? shareCell(row.identified_share, shareIsFloor(row)) : numCell("–"),
      ...(media ? [numCell(fmt(tot.media_items)), numCell(fmt(tot.audience))] : [])];
    table(body, t(media ? "drillCaptionMedia" : "drillCaption",
      { sessions: fmt(tot.sessions), items: fmt(tot.media_items), events: fmt(tot.events) }), heads, rows,
    { label: name && name.endsWith(")") ? name : t("drillSum", { row: name || totalLabel() }), cells: totalCells });
    if (!page.items.length) body.textContent = t("drillNone");
    else {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = t("drillNote");
      body.appendChild(note);
    }
    if (row && page.items.length) {
      const said = document.createElement("p");
      said.className = "drill-people";
      said.textContent = peopleWords(whole) + "." + (hasMedia(whole)
        ? " " + t("mediaLine", { n: fmt(whole.media_items), audience: fmt(whole.audience) }) : "");
      body.prepend(said);
    }
    const of = document.createElement("p");
    of.className = "drill-of";
    of.textContent = [name, $("head-title").textContent].filter(Boolean).join(" · ");
    body.prepend(of);
    $("drill").hidden = false;
    $("drill").focus();
  } catch (e) { fail(e); }
}

// ---- publications (public tokens) ----
// `chosen`: the "period|version" to show first.
async function loadPublications(chosen) {
  const gen = state.gen;
  const list = await api("/api/v1/publications?limit=50");
  if (gen !== state.gen) return;
  $("views").hidden = true;
  $("publications").hidden = false;
  const select = $("pub-select");
  select.replaceChildren();
  for (const p of list.items) {
    // Its title, the period in words unless the title says it, its version.
    const period = periodWords(p.period);
    const said = p.title.toLowerCase().includes(period.toLowerCase());
    select.appendChild(new Option(t(said ? "pubOptionTitled" : "pubOption", { title: p.title, period, version: p.version }),
      `${p.period}|${p.version}`));
  }
  if (chosen) select.value = chosen;
  if (!list.items.length) {
    $("pub-body").textContent = t("noPublications");
    status(t("loaded"));
    return;
  }
  select.onchange = () => showPublication(select.value).catch(fail);
  await showPublication(select.value);
  status(t("loaded"));
}

// A publication's tables: sessions (activities in older publications that
// lack them), person-times, identified people with their share and the
// upper bound of different people (the lower one is never published), then
// mass media apart. Withheld cells say so; a share of a withheld figure is
// withheld too.
async function showPublication(value) {
  const [period, version] = value.split("|");
  const p = await api(`/api/v1/publications/${encodeURIComponent(period)}?version=${encodeURIComponent(version)}`);
  const body = $("pub-body");
  body.replaceChildren();
  const summary = document.createElement("div");
  summary.id = "pub-summary";
  body.appendChild(summary);
  const heads = { events: "events", sessions: "sessions", attendances: "attendances", unique_participants: "people",
    share: "share", reach_max: "range", first_time_participants: "firstTime", media_items: "mediaItems",
    audience: "audience", people: "people" };
  const withheld = (td) => { td.className = "n suppressed"; td.textContent = t("withheld"); return td; };
  for (const tbl of p.tables) {
    const has = (m) => tbl.measures.includes(m);
    const columns = [has("sessions") ? "sessions" : "events", "attendances", "unique_participants",
      ...(has("identified_attendances") && has("attendances") ? ["share"] : []), "reach_max", "first_time_participants",
      "media_items", "audience", "people"].filter((m) => m === "share" || has(m));
    const cells = (c) => columns.map((m) => {
      const off = (x) => c.suppressed.includes(x) || c.values[x] === null || c.values[x] === undefined;
      if (m === "share") {
        if (off("identified_attendances") || off("attendances")) return withheld(numCell(""));
        const a = c.values.attendances;
        const share = a > 0 ? Math.round((c.values.identified_attendances / a) * 10000) / 10000 : null;
        return shareCell(share, shareIsFloor(c.values));
      }
      if (c.suppressed.includes(m)) return withheld(numCell(""));
      return numCell(m === "reach_max" ? rangeText(null, c.values[m]) : fmt(c.values[m]));
    });
    const div = document.createElement("div");
    div.className = "table";
    // A row's keys in words: agencies, kinds, groups and topics by their
    // names, months and quarters as written here, units by name (their
    // codes left out), never a code.
    const names = Object.fromEntries((p.agencies || []).map((a) => [a.code, getLang() === "vi" ? a.name : a.name_en || a.name]));
    const label = (key) => Object.entries(key)
      .filter(([k, v]) => v !== null && !(`${k}_name` in key))
      .map(([k, v]) => (k === "agency" ? state.names[v] || names[v] || v : k === "kind" ? t("kinds")[v] || v
        : k === "target_group" ? t("targetGroups")[v] || v : k === "topic" ? t("topics")[v] || v
          : k === "period" ? (/^\d{4}-\d{2}$/.test(v) ? fmtMonth(v) : periodWords(v)) : v)).join(" · ") || "–";
    // A table's name is its grouping, said in words.
    const titles = { agency: "byAgency", kind: "byKind", "period:month": "byMonth", target_group: "byTarget",
      "area:province": "byProvince" };
    const groups = tbl.group_by.map((g) => t("groupNames")[g] || g);
    const title = tbl.group_by.length === 1 && titles[tbl.group_by[0]] ? t(titles[tbl.group_by[0]])
      : tbl.group_by.length ? t("byGroups", { list: groups.join(t("and")) }) : t("summary");
    table(div, title, ["", ...columns.map((m) => t(heads[m]))],
      tbl.rows.map((r) => ({ label: label(r.key), cells: cells(r) })), { label: t("total", { scope: t("pubScope") }), cells: cells(tbl.totals) });
    body.appendChild(div);
  }
  // The whole period's people in words, from the first table that has them.
  const first = p.tables.find((x) => x.measures.includes("unique_participants"));
  if (first) {
    const v = first.totals.values;
    const off = (x) => first.totals.suppressed.includes(x) || v[x] === null || v[x] === undefined;
    const line = document.createElement("p");
    line.className = "pub-people";
    if (!off("unique_participants")) {
      let text = t("peopleLine", { n: fmt(v.unique_participants) });
      if (!off("identified_attendances") && !off("attendances") && v.attendances > 0) {
        const share = Math.round((v.identified_attendances / v.attendances) * 10000) / 10000;
        text += ` (${t(shareIsFloor(v) ? "shareOfFloor" : "shareOf", { share: fmtShare(share) })})`;
      }
      if (!off("reach_max")) text += "; " + t("rangeMax", { n: fmt(v.reach_max) });
      line.textContent = text + ".";
      summary.appendChild(line);
    }
    if (!off("media_items") && !off("audience") && hasMedia(v)) {
      const media = document.createElement("p");
      media.className = "pub-media";
      media.textContent = t("mediaLine", { n: fmt(v.media_items), audience: fmt(v.audience) });
      summary.appendChild(media);
    }
  }
}

// ---- signed in, signed out ----
function nameAgencies() {
  state.names = Object.fromEntries(state.agencies.map((a) => [a.code, getLang() === "vi" ? a.name : a.name_en]));
}

// Signed in (session.js): `who` says the role and whether it is a public token.
async function enter(who) {
  state.gen += 1;
  state.signedIn = true;
  state.role = who.role;
  state.isPublic = who.isPublic;
  state.agency = who.role === "agency" ? who.agency || null : null;
  state.isToken = authMode() === "token";
  const gen = state.gen;
  try {
    const agencies = await api("/api/v1/agencies");
    if (gen !== state.gen) return;
    state.agencies = agencies;
    nameAgencies();
    translate();
    if (state.isPublic) {
      // A public token reads publications only.
      await loadPublications();
      return;
    }
    $("filters").hidden = false;
    // An agency's figures are its own activities: no agency to choose.
    $("f-agency").closest(".field").hidden = who.role === "agency";
    // Every signed-in role but the public may have the report (an agency its own).
    $("reports").hidden = false;
    if (who.role === "agency" || who.role === "admin") await openWork(who, gen);
    const me = await api("/api/v1/whoami");
    if (gen !== state.gen) return;
    // The deployment's reporting months (calendar, or Decree 09's cut-off
    // on the 14th) cut every period the picker names.
    setRule(me.reporting_periods);
    await defaultArea(me, gen);
    // The figures open on the current quarter, said in the headline.
    if (!state.periodSet) {
      setCurrentQuarter(serverNow());
      state.periodSet = true;
    }
    await load();
  } catch (e) { fail(e); }
}

// ---- the work screens (agencies and admins): their activities, and what
// waits for their answer ----
const SCREENS = ["dash", "events-screen", "event-form-screen", "consent-screen", "import-screen", "periods-screen",
  "people-screen", "privacy-screen"];
// The tabs each role has besides the figures, activities and answers.
const ROLE_TABS = { agency: ["nav-import"], admin: ["nav-periods", "nav-people", "nav-privacy"] };
const work = { agency: null, scope: null };

function show(id) {
  for (const s of SCREENS) $(s).hidden = s !== id;
  const tab = { dash: "nav-figures", "events-screen": "nav-events", "event-form-screen": "nav-events",
    "consent-screen": "nav-consent", "import-screen": "nav-import", "periods-screen": "nav-periods",
    "people-screen": "nav-people", "privacy-screen": "nav-privacy" }[id];
  for (const b of document.querySelectorAll("#work-nav button")) {
    if (b.id === tab) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  window.scrollTo(0, 0);
}

function showCount(n) {
  $("consent-count").hidden = !n;
  $("consent-count").textContent = n ? fmt(n) : "";
}

const workCtx = () => ({
  agency: work.agency,
  scope: work.scope,
  agencies: state.agencies.filter((a) => a.active !== false).map((a) => ({ code: a.code, label: state.names[a.code] || a.code })),
  names: state.names,
  show,
  onCount: showCount,
  now: serverNow,
  reloadAgencies: async () => {
    state.agencies = await api("/api/v1/agencies");
    nameAgencies();
  },
});

async function openWork(who, gen) {
  const me = await api("/api/v1/whoami");
  if (gen !== state.gen || !me.can_write) return;
  work.agency = me.agency || null;
  work.scope = me.area || me.home_area || null;
  $("work-nav").hidden = false;
  for (const id of Object.values(ROLE_TABS).flat()) $(id).hidden = !(ROLE_TABS[me.role] || []).includes(id);
  pendingCount(work.agency).then((n) => { if (gen === state.gen) showCount(n); }).catch(() => {});
}

// The area the page starts with: the caller's own scope (an account or
// token limited to one area), else the deployment's (HOME_AREA).
async function defaultArea(me, gen) {
  if (state.area) return;
  const code = me.area || me.home_area;
  if (!code || gen !== state.gen) return;
  try {
    const unit = await api("/api/v1/areas/" + encodeURIComponent(code));
    if (gen === state.gen) {
      state.area = { code, name: unit.name, level: unit.level, valid_from: unit.valid_from || null,
        valid_until: unit.valid_until || null };
    }
  } catch (_) {
    state.area = { code, name: code, level: null, valid_from: null, valid_until: null };
  }
  showArea();
}

// Signed out or over: no figure stays on the page.
function leave() {
  state.gen += 1;
  Object.assign(state, { signedIn: false, role: null, isPublic: false, agency: null, area: null, areaLevel: null,
    periodSet: false, shownArea: undefined });
  state.live.clear();
  for (const id of ["filters", "reports", "views", "publications", "drill", "locked", "pub-mode", "work-nav"]) $(id).hidden = true;
  closeEvents();
  closeConsent();
  closeImports();
  closePeriods();
  closePeople();
  closePrivacy();
  showCount(0);
  show("dash");
  setPeriod("all");
  for (const e of document.querySelectorAll("#views .cards, #views .chart, #views .table, #head-figs, #pub-body, #pub-select, #drill-body, #f-area-results")) {
    e.replaceChildren();
  }
  status("");
}

// ---- start ----
setLang(sessionStorage.getItem("ct-lang") || "vi");
initPeriod(serverNow());
setPeriod("all");
translate();
$("filter-form").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
$("f-area-q").addEventListener("input", searchAreas);
$("f-area-clear").addEventListener("click", () => { state.area = null; showArea(); });
$("area-back").addEventListener("click", () => {
  state.areaLevel = state.areaLevel ? state.areaLevel.parent || null : null;
  const base = slice();
  if (base) renderAreas(base).catch(fail);
});
$("cross-measure").addEventListener("change", () => load());
$("drill-close").addEventListener("click", () => { $("drill").hidden = true; });
for (const f of ["html", "docx", "pdf"]) {
  $("report-" + f).addEventListener("click", () => report(f));
  $("pub-report-" + f).addEventListener("click", () => {
    const period = $("pub-select").value.split("|")[0];
    if (period) reportOf(new URLSearchParams({ period, lang: getLang(), format: f }), f);
  });
}
$("lang").addEventListener("click", () => {
  setLang(getLang() === "vi" ? "en" : "vi");
  sessionStorage.setItem("ct-lang", getLang());
  nameAgencies();
  translate();
  translateEvents();
  translateConsent();
  translateImports();
  translatePeriods();
  translatePeople();
  translatePrivacy();
  if (state.signedIn && state.isPublic) loadPublications().catch(fail);
  else if (state.signedIn && !$("dash").hidden) load();
});
$("nav-figures").addEventListener("click", () => { show("dash"); load(); });
$("nav-events").addEventListener("click", () => showList(workCtx()));
$("nav-consent").addEventListener("click", () => { show("consent-screen"); showConsent(workCtx()); });
$("nav-import").addEventListener("click", () => showImports(workCtx()));
$("nav-periods").addEventListener("click", () => showPeriods(workCtx()));
$("nav-people").addEventListener("click", () => showPeople(workCtx()));
$("nav-privacy").addEventListener("click", () => showPrivacy(workCtx()));
startSession({ enter, leave, agencyName: (code) => state.names[code] });
