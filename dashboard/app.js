// The dashboard screen: filters, and views drawn from the service's own
// answers, once session.js has signed the person (or a token) in. The page
// never adds unique counts up: every total shown is the service's. Figures
// link to the drill-down for those who may read it (admins and agencies).
// Every request goes through api.js.
import { download as fetchFile, request } from "./api.js";
import { Charts } from "./charts.js";
import { fmt, fmtDate, fmtMonth, getLang, setLang, t, translatePage } from "./i18n.js";
import { renderWho, startSession } from "./session.js";

const $ = (id) => document.getElementById(id);
// `gen` changes at every sign-in and sign-out: answers that arrive for an
// earlier one are dropped.
const state = { signedIn: false, gen: 0, role: null, isPublic: false, area: null, areaLevel: null, agencies: [], names: {},
  live: new Set() };
const KINDS = ["training_class", "community_meeting", "campaign_launch", "law_dissemination", "integrated_lesson",
  "extracurricular", "media_broadcast", "home_visit", "other"];
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

// A figure: a link to its drill-down when the token may read it.
function figure(value, drillQuery) {
  const td = document.createElement("td");
  td.className = "n";
  if (drillQuery !== null && canDrill() && value) {
    const a = document.createElement("a");
    a.href = "#drill";
    a.className = "fig";
    a.textContent = fmt(value);
    a.dataset.drill = drillQuery;
    a.addEventListener("click", (ev) => { ev.preventDefault(); drill(drillQuery); });
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
  container.replaceChildren(tbl);
}

// ---- views ----
function measuresRow(label, m, drillQuery) {
  return { label, cells: [figure(m.events, drillQuery), figure(m.attendances, drillQuery), figure(m.unique_participants, drillQuery)] };
}

function renderGrouped(view, answer, key, labelOf, base) {
  const rows = answer.rows.map((r) => measuresRow(labelOf(r[key]), r, withParams(base, { [key]: r[key] })));
  const total = measuresRow(t("total"), answer.totals, base.toString());
  table(view.querySelector(".table"), t(view.dataset.caption || "byAgency"),
    ["", t("events"), t("attendances"), t("people")], rows, total);
  Charts.bars(view.querySelector(".chart"),
    answer.rows.map((r) => ({ label: labelOf(r[key]), values: [r.attendances, r.unique_participants] })),
    [t("attendances"), t("people")], fmt, view.querySelector("h2").textContent);
}

function renderMonths(answer, base) {
  const view = $("v-month");
  const rows = answer.rows.map((r) => ({
    label: fmtMonth(r.period),
    cells: [figure(r.attendances, withParams(base, { period: r.period })),
      figure(r.unique_participants, withParams(base, { period: r.period })),
      figure(r.first_time_participants, null), figure(r.cumulative_participants, null)],
  }));
  const tot = answer.totals;
  table(view.querySelector(".table"), t("byMonth"), [t("month"), t("attendances"), t("people"), t("firstTime"), t("cumulative")], rows,
    { label: t("total"), cells: [figure(tot.attendances, base.toString()), figure(tot.unique_participants, base.toString()),
      figure(tot.first_time_participants, null), figure(tot.cumulative_participants, null)] });
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
    return Object.assign(measuresRow(name, r, drillQ), labelNode ? { labelNode } : {});
  });
  table(view.querySelector(".table"), parent ? parent.name : t("byArea"),
    ["", t("events"), t("attendances"), t("people")], rows, measuresRow(t("total"), answer.totals, q));
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
async function drill(query) {
  try {
    const page = await api("/api/v1/aggregates/events?" + withParams(query, { limit: "100" }));
    const body = $("drill-body");
    const rows = page.items.map((e) => {
      const reports = e.reports.map((r) => `${state.names[r.agency] || r.agency}: ${r.title}`).join("; ");
      const hidden = e.hidden_reports ? " · " + t("hiddenReports").replace("{n}", e.hidden_reports) : "";
      const cell = (v) => { const td = document.createElement("td"); td.className = "n"; td.textContent = fmt(v); return td; };
      return { label: `${fmtDate(e.start_date)} · ${reports}${hidden}`, cells: [cell(e.attendances), cell(e.identified_attendances)] };
    });
    const tot = (v) => { const td = document.createElement("td"); td.className = "n"; td.textContent = fmt(v); return td; };
    table(body, `${fmt(page.totals.events)} ${t("events").toLowerCase()}`, ["", t("attendances"), t("people")], rows,
      { label: t("total"), cells: [tot(page.totals.attendances), tot(page.totals.identified_attendances)] });
    if (!page.items.length) body.textContent = t("drillNone");
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

async function showPublication(value) {
  const [period, version] = value.split("|");
  const p = await api(`/api/v1/publications/${encodeURIComponent(period)}?version=${encodeURIComponent(version)}`);
  const body = $("pub-body");
  body.replaceChildren();
  const shown = ["events", "attendances", "unique_participants", "first_time_participants", "people"];
  for (const tbl of p.tables) {
    const measures = tbl.measures.filter((m) => shown.includes(m));
    const cells = (c) => measures.map((m) => {
      const td = document.createElement("td");
      td.className = "n";
      if (c.suppressed.includes(m)) { td.className = "n suppressed"; td.textContent = t("withheld"); } else td.textContent = fmt(c.values[m]);
      return td;
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
    table(div, title, ["", ...measures.map((m) => t({ unique_participants: "people", people: "people", first_time_participants: "firstTime" }[m] || m))],
      tbl.rows.map((r) => ({ label: label(r.key), cells: cells(r) })), { label: t("total"), cells: cells(tbl.totals) });
    body.appendChild(div);
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
    await defaultArea(gen);
    await load();
  } catch (e) { fail(e); }
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
  for (const id of ["filters", "reports", "views", "publications", "drill", "locked", "pub-mode"]) $(id).hidden = true;
  for (const e of document.querySelectorAll("#views .chart, #views .table, #pub-body, #pub-select, #drill-body, #f-area-results")) {
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
  if (state.signedIn && state.isPublic) loadPublications().catch(fail);
  else if (state.signedIn) load();
});
startSession({ enter, leave, agencyName: (code) => state.names[code] });
