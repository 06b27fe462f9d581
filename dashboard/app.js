// The dashboard screen: filters, and views drawn from the service's own
// answers, once session.js has signed the person (or a token) in. The page
// never adds unique counts up: every total shown is the service's. Figures
// link to the drill-down for those who may read it (admins and agencies).
// Every request goes through api.js.
import { download as fetchFile, request } from "./api.js";
import { Charts } from "./charts.js";
import { fmt, fmtDate, fmtMonth, fmtShare, getLang, setLang, t, translatePage } from "./i18n.js";
import { renderWho, startSession } from "./session.js";
import { closeEvents, showList, translateEvents } from "./events.js";
import { closeConsent, pendingCount, showConsent, translateConsent } from "./consent.js";

const $ = (id) => document.getElementById(id);
// `gen` changes at every sign-in and sign-out: answers that arrive for an
// earlier one are dropped.
const state = { signedIn: false, gen: 0, role: null, isPublic: false, area: null, areaLevel: null, agencies: [], names: {},
  live: new Set() };
const KINDS = ["training_class", "community_meeting", "campaign_launch", "law_dissemination", "integrated_lesson",
  "extracurricular", "home_visit", "media_broadcast", "loudspeaker", "printed_materials", "online_post", "other"];
const TOPICS = ["human_trafficking", "drug_prevention", "crime_prevention", "social_evils", "gender_equality",
  "child_protection", "safe_migration", "other"];
const TARGETS = ["students", "women", "girls", "youth", "ethnic_minorities", "migrant_workers", "general_public",
  "officials", "returnees"];

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
  showArea();
  renderWho();
}

function fillSelect(select, values, labels) {
  const current = select.value;
  select.replaceChildren(new Option(t("all"), ""));
  for (const v of values) select.appendChild(new Option(labels[v] || v, v));
  select.value = current;
}

function showArea() {
  $("f-area-chosen").textContent = state.area ? `${t("area")}: ${state.area.name} (${state.area.code})` : "";
  $("f-area-clear").hidden = !state.area;
}

// ---- filters ----
function slice() {
  const q = new URLSearchParams();
  if ($("f-from").value) q.set("from", $("f-from").value);
  if ($("f-to").value) q.set("to", $("f-to").value);
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

let searchTimer = null;
function searchAreas() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = $("f-area-q").value.trim();
    const list = $("f-area-results");
    list.replaceChildren();
    if (text.length < 2) return;
    try {
      const page = await api("/api/v1/areas?" + new URLSearchParams({ q: text, limit: "10" }));
      for (const a of page.items) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = `${a.name} (${a.code})`;
        b.addEventListener("click", () => {
          state.area = { code: a.code, name: a.name };
          list.replaceChildren();
          $("f-area-q").value = "";
          showArea();
        });
        li.appendChild(b);
        list.appendChild(li);
      }
    } catch (e) {
      status(`${t("error")}: ${e.message}`, true);
    }
  }, 250);
}

// ---- tables ----
const canDrill = () => state.role === "admin" || state.role === "agency";

// A figure: a link to its drill-down when the token may read it (`row`:
// the measures of the row it belongs to, said above the list).
function figure(value, drillQuery, row = null) {
  const td = document.createElement("td");
  td.className = "n";
  if (drillQuery !== null && canDrill() && value) {
    const a = document.createElement("a");
    a.href = "#drill";
    a.className = "fig";
    a.textContent = fmt(value);
    a.dataset.drill = drillQuery;
    a.addEventListener("click", (ev) => { ev.preventDefault(); drill(drillQuery, row); });
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

function measureCells(m, drillQuery, media) {
  return [figure(m.sessions, drillQuery, m), figure(m.attendances, drillQuery, m), figure(m.unique_participants, drillQuery, m),
    shareCell(m.identified_share, shareIsFloor(m)), numCell(rangeText(m.reach_min, m.reach_max)),
    ...(media ? [figure(m.media_items, drillQuery, m), figure(m.audience, null)] : [])];
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
      [...share, ["range", range.charAt(0).toUpperCase() + range.slice(1)]], "people"),
    card("sum-media", t("sumMedia"), fmt(m.media_items),
      [["audience", t("audienceLine", { n: fmt(m.audience) })], ["apart", t("notAttendance")]], "media"));
}

// ---- views ----
function measuresRow(label, m, drillQuery, media) {
  return { label, cells: measureCells(m, drillQuery, media) };
}

function renderGrouped(view, answer, key, labelOf, base) {
  const media = hasMedia(answer.totals);
  const rows = answer.rows.map((r) => measuresRow(labelOf(r[key]), r, withParams(base, { [key]: r[key] }), media));
  const total = measuresRow(t("total"), answer.totals, base.toString(), media);
  table(view.querySelector(".table"), t(view.dataset.caption || "byAgency"),
    ["", ...measureHeads(media)], rows, total);
  // Mass-media rows have no person-time and no person: they are in the
  // table's own columns, not in this chart.
  Charts.bars(view.querySelector(".chart"),
    answer.rows.filter((r) => r.attendances || r.unique_participants)
      .map((r) => ({ label: labelOf(r[key]), values: [r.attendances, r.unique_participants] })),
    [t("attendances"), t("people")], fmt, view.querySelector("h2").textContent);
}

function renderMonths(answer, base) {
  const view = $("v-month");
  const cells = (m, q) => [...measureCells(m, q, false), figure(m.first_time_participants, null), figure(m.cumulative_participants, null)];
  const rows = answer.rows.map((r) => ({ label: fmtMonth(r.period), cells: cells(r, withParams(base, { period: r.period })) }));
  table(view.querySelector(".table"), t("byMonth"), [t("month"), ...measureHeads(false), t("firstTime"), t("cumulative")], rows,
    { label: t("total"), cells: cells(answer.totals, base.toString()) });
  Charts.lines(view.querySelector(".chart"), answer.rows.map((r) => fmtMonth(r.period)), [
    { name: t("attendances"), values: answer.rows.map((r) => r.attendances) },
    { name: t("people"), values: answer.rows.map((r) => r.unique_participants) },
    { name: t("firstTime"), values: answer.rows.map((r) => r.first_time_participants) },
    { name: t("cumulative"), values: answer.rows.map((r) => r.cumulative_participants) },
  ], fmt, t("byMonth"));
}

function renderOverlap(o) {
  const view = $("v-overlap");
  const agencies = [...new Set(o.combinations.flatMap((c) => c.agencies))].sort();
  const rows = o.combinations.map((c) => {
    const td = document.createElement("td");
    td.className = "n";
    td.textContent = fmt(c.people);
    return { label: c.agencies.map((a) => state.names[a] || a).join(" + "), cells: [td] };
  });
  const td = document.createElement("td");
  td.className = "n";
  td.textContent = fmt(o.people);
  table(view.querySelector(".table"), t("overlap"), [t("agencies"), t("people")], rows, { label: t("total"), cells: [td] });
  Charts.upset(view.querySelector(".chart"), o.combinations, agencies, state.names, fmt, t("overlap"));
}

function renderFrequency(f) {
  const view = $("v-frequency");
  const label = (b) => (b.events_at_least ? t("tenPlus") : String(b.events));
  const rows = f.buckets.map((b) => {
    const td = document.createElement("td");
    td.className = "n";
    td.textContent = fmt(b.people);
    return { label: label(b), cells: [td] };
  });
  const td = document.createElement("td");
  td.className = "n";
  td.textContent = fmt(f.people);
  table(view.querySelector(".table"), t("frequency"), [t("nEvents"), t("people")], rows, { label: t("total"), cells: [td] });
  Charts.bars(view.querySelector(".chart"), f.buckets.map((b) => ({ label: label(b), values: [b.people] })),
    [t("people")], fmt, t("frequency"));
  const note = document.createElement("p");
  note.className = "note";
  if (f.mean_events_per_person !== null) {
    note.textContent = t("meanNote", { n: fmt(f.mean_events_per_person, 2) });
    view.querySelector(".table").appendChild(note);
  }
}

// The area table: provinces, then (on a click) their districts, or their
// communes where units have no district (after the 2025 reform).
async function renderAreas(base) {
  const view = $("v-area");
  const parent = state.areaLevel;
  const q = parent ? withParams(base, { area: parent.code }) : base.toString();
  let level = parent ? (parent.level === "province" ? "area:district" : "area:commune") : "area:province";
  let answer = await api("/api/v1/aggregates?" + withParams(q, { group_by: level }));
  if (level === "area:district" && answer.rows.every((r) => !r.district)) {
    level = "area:commune";
    answer = await api("/api/v1/aggregates?" + withParams(q, { group_by: level }));
  }
  const key = level.split(":")[1];
  const media = hasMedia(answer.totals);
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
        state.areaLevel = { code, name, level: key };
        renderAreas(base).catch(fail);
      });
    }
    const drillQ = code ? withParams(q, { [key]: code, [key + "_name"]: name }) : null;
    return Object.assign(measuresRow(name, r, drillQ, media), labelNode ? { labelNode } : {});
  });
  table(view.querySelector(".table"), parent ? parent.name : t("byArea"),
    ["", ...measureHeads(media)], rows, measuresRow(t("total"), answer.totals, q, media));
  $("area-back").hidden = !parent;
  $("area-csv").onclick = () => download("/api/v1/aggregates.csv?" + withParams(q, { group_by: level }),
    `aggregates-${level.replace(":", "-")}.csv`, "text/csv");
}

// Saves the service's answer as a file.
function download(path, name, type) {
  fetchFile(path, name, type).catch(fail);
}

// The signed-report text for the chosen period (admin and dashboard tokens).
function report(format) {
  const q = new URLSearchParams();
  if ($("f-from").value) q.set("from", $("f-from").value);
  if ($("f-to").value) q.set("to", $("f-to").value);
  if (state.area) q.set("area", state.area.code);
  q.set("lang", getLang());
  q.set("format", format);
  download("/api/v1/reports/summary?" + q, `report-${getLang()}.${format === "md" ? "md" : "html"}`,
    format === "md" ? "text/markdown" : "text/html");
}

// A problem, said in the status line, unless the page already acted on
// it (back to the sign-in screen, the password form).
function fail(e) {
  if (e.handled) return;
  status(`${t("error")}: ${e.message}`, true);
}

// The first and last days of a period code (2025, 2025-Q3, 2025-07).
function periodBounds(p) {
  const iso = (y, m, d) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  const last = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const y = Number(p.slice(0, 4));
  const q = p.match(/^\d{4}-Q([1-4])$/);
  const m = p.match(/^\d{4}-(\d{2})$/);
  const [a, b] = q ? [3 * q[1] - 2, 3 * q[1]] : m ? [Number(m[1]), Number(m[1])] : [1, 12];
  return [iso(y, a, 1), iso(y, b, last(y, b))];
}

// The locked period the filters are exactly (its dates, nothing else
// narrowing them), whose signed figures are then shown first. Only dates
// that are a month, a quarter or a year ask the service.
async function exactLocked(base) {
  const only = [...base.keys()].every((k) => k === "from" || k === "to");
  const [from, to] = [base.get("from"), base.get("to")];
  if (!only || !from || !to) return null;
  const y = from.slice(0, 4);
  const m = Number(from.slice(5, 7));
  const shapes = [y, `${y}-${from.slice(5, 7)}`, `${y}-Q${Math.ceil(m / 3)}`];
  const exact = (p) => { const [f, t] = periodBounds(p); return f === from && t === to; };
  if (!shapes.some(exact)) return null;
  const answer = await api("/api/v1/aggregates?" + base);
  return (answer.meta.locked_periods || []).find(exact) || null;
}

async function load() {
  status(t("loading"));
  const base = slice();
  const gen = state.gen;
  try {
    $("pub-mode").hidden = true;
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
    renderSummary(byAgency.totals);
    renderGrouped($("v-agency"), byAgency, "agency", (c) => state.names[c] || c, base);
    renderGrouped($("v-kind"), byKind, "kind", (c) => t("kinds")[c] || c, base);
    renderMonths(byMonth, base);
    renderOverlap(overlap);
    renderFrequency(frequency);
    await renderAreas(base);
    showLocked(byAgency.meta.locked_periods || [], locked);
    $("publications").hidden = true;
    $("views").hidden = false;
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
// `row`: the measures of the row drilled into (its people said above the list).
async function drill(query, row) {
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
    const heads = ["", t("sessions"), t("attendances"), t("people"), t("share"), ...(media ? [t("mediaItems"), t("audience")] : [])];
    table(body, t(media ? "drillCaptionMedia" : "drillCaption",
      { sessions: fmt(tot.sessions), items: fmt(tot.media_items), events: fmt(tot.events) }), heads, rows,
    { label: t("drillSum"), cells: cells(tot, ratio(tot.identified_attendances, tot.attendances), shareIsFloor(tot), false) });
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
      said.textContent = peopleWords(row) + "." + (hasMedia(row)
        ? " " + t("mediaLine", { n: fmt(row.media_items), audience: fmt(row.audience) }) : "");
      body.prepend(said);
    }
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
    select.appendChild(new Option(`${p.title} (${p.period}, ${t("version")} ${p.version})`, `${p.period}|${p.version}`));
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
    const label = (key) => Object.entries(key)
      .map(([k, v]) => (k === "agency" ? state.names[v] || v : k === "kind" ? t("kinds")[v] || v
        : k === "target_group" ? t("targetGroups")[v] || v : k === "period" && /^\d{4}-\d{2}$/.test(v) ? fmtMonth(v) : v)).join(" · ");
    // A default table's name is its grouping: said in words.
    const titles = { agency: "byAgency", kind: "byKind", "period:month": "byMonth", target_group: "byTarget",
      "area:province": "byProvince" };
    const title = tbl.name === tbl.group_by.join(",") && titles[tbl.name] ? t(titles[tbl.name]) : tbl.name;
    table(div, title, ["", ...columns.map((m) => t(heads[m]))],
      tbl.rows.map((r) => ({ label: label(r.key), cells: cells(r) })), { label: t("total"), cells: cells(tbl.totals) });
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
    $("reports").hidden = state.role === "agency";
    if (who.role === "agency" || who.role === "admin") await openWork(who, gen);
    await defaultArea(gen);
    await load();
  } catch (e) { fail(e); }
}

// ---- the work screens (agencies and admins): their activities, and what
// waits for their answer ----
const SCREENS = ["dash", "events-screen", "event-form-screen", "consent-screen"];
const work = { agency: null, scope: null };

function show(id) {
  for (const s of SCREENS) $(s).hidden = s !== id;
  const tab = { dash: "nav-figures", "events-screen": "nav-events", "event-form-screen": "nav-events",
    "consent-screen": "nav-consent" }[id];
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
});

async function openWork(who, gen) {
  const me = await api("/api/v1/whoami");
  if (gen !== state.gen || !me.can_write) return;
  work.agency = me.agency || null;
  work.scope = me.area || me.home_area || null;
  $("work-nav").hidden = false;
  pendingCount(work.agency).then((n) => { if (gen === state.gen) showCount(n); }).catch(() => {});
}

// The area the page starts with: the caller's own scope (an account or
// token limited to one area), else the deployment's (HOME_AREA).
async function defaultArea(gen) {
  if (state.area) return;
  const me = await api("/api/v1/whoami");
  const code = me.area || me.home_area;
  if (!code || gen !== state.gen) return;
  try {
    const unit = await api("/api/v1/areas/" + encodeURIComponent(code));
    if (gen === state.gen) state.area = { code, name: unit.name };
  } catch (_) {
    state.area = { code, name: code };
  }
  showArea();
}

// Signed out or over: no figure stays on the page.
function leave() {
  state.gen += 1;
  Object.assign(state, { signedIn: false, role: null, isPublic: false, area: null, areaLevel: null });
  state.live.clear();
  for (const id of ["filters", "reports", "views", "publications", "drill", "locked", "pub-mode", "work-nav"]) $(id).hidden = true;
  closeEvents();
  closeConsent();
  showCount(0);
  show("dash");
  for (const e of document.querySelectorAll("#views .cards, #views .chart, #views .table, #pub-body, #pub-select, #drill-body, #f-area-results")) {
    e.replaceChildren();
  }
  status("");
}

// ---- start ----
setLang(sessionStorage.getItem("ct-lang") || "vi");
translate();
$("filter-form").addEventListener("submit", (ev) => { ev.preventDefault(); state.areaLevel = null; load(); });
$("f-area-q").addEventListener("input", searchAreas);
$("f-area-clear").addEventListener("click", () => { state.area = null; showArea(); });
$("area-back").addEventListener("click", () => { state.areaLevel = null; renderAreas(slice()).catch(fail); });
$("drill-close").addEventListener("click", () => { $("drill").hidden = true; });
$("report-html").addEventListener("click", () => report("html"));
const pubReport = (format) => {
  const period = $("pub-select").value.split("|")[0];
  if (!period) return;
  download(`/api/v1/reports/summary?${new URLSearchParams({ period, lang: getLang(), format })}`,
    `report-${period}-${getLang()}.${format === "md" ? "md" : "html"}`, format === "md" ? "text/markdown" : "text/html");
};
$("pub-report-html").addEventListener("click", () => pubReport("html"));
$("pub-report-md").addEventListener("click", () => pubReport("md"));
$("report-md").addEventListener("click", () => report("md"));
$("lang").addEventListener("click", () => {
  setLang(getLang() === "vi" ? "en" : "vi");
  sessionStorage.setItem("ct-lang", getLang());
  nameAgencies();
  translate();
  translateEvents();
  translateConsent();
  if (state.signedIn && state.isPublic) loadPublications().catch(fail);
  else if (state.signedIn && !$("dash").hidden) load();
});
$("nav-figures").addEventListener("click", () => { show("dash"); load(); });
$("nav-events").addEventListener("click", () => showList(workCtx()));
$("nav-consent").addEventListener("click", () => { show("consent-screen"); showConsent(workCtx()); });
startSession({ enter, leave, agencyName: (code) => state.names[code] });
