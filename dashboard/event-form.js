// The activity form: a new activity (POST /events, participants included)
// or a correction (PATCH /events/{id} as a JSON merge patch carrying only
// what changed, so that nothing else, participants above all, is touched;
// people added or taken out through POST /events/{id}/participants). Dates
// are typed day/month/year; the place is found by its name among the units
// of the first day; the kind switches between attendance and, for mass
// media, the estimated audience. Every problem the service names is said in
// the page's language next to its field, never in the service's English.
import { request } from "./api.js";
import { dmy, fmt, parseDmy, t } from "./i18n.js";
import { placeLabel, scopeName, searchPlaces } from "./places.js";

const $ = (id) => document.getElementById(id);
export const KINDS = ["training_class", "community_meeting", "campaign_launch", "law_dissemination", "integrated_lesson",
  "extracurricular", "home_visit", "media_broadcast", "loudspeaker", "printed_materials", "online_post", "other"];
export const MEDIA = new Set(["media_broadcast", "loudspeaker", "printed_materials", "online_post"]);
const TOPICS = ["human_trafficking", "drug_prevention", "crime_prevention", "social_evils", "gender_equality",
  "child_protection", "safe_migration", "other"];
const TARGETS = ["students", "women", "girls", "youth", "ethnic_minorities", "migrant_workers", "general_public",
  "officials", "returnees"];
const BASES = ["estimate", "survey", "platform_count"];
const COUNTS = [["total", "ef-total"], ["female", "ef-female"], ["male", "ef-male"], ["under_18", "ef-under18"],
  ["declared_people", "ef-declared"]];

// ctx: { agency, agencies: [{code, name}], scope (an area code or null),
// done(messageKey, args) }; event: the stored event being corrected, or null.
const form = { ctx: null, event: null, place: null, busy: false };

// ---- participants typed one per line ----

/** One line as a participant: a citizen id (12 or 9 digits), a phone
 * number, or "student id / school code"; null when it is none of them. */
export function participantOf(line) {
  const s = line.trim();
  const slash = s.indexOf("/");
  if (slash >= 0) {
    return { id_type: "student_id", value: s.slice(0, slash).trim(), issuer: s.slice(slash + 1).trim() };
  }
  if (/^\+/.test(s)) return { id_type: "phone", value: s };
  const digits = s.replace(/[\s.\-]/g, "");
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length === 10 && digits.startsWith("0")) return { id_type: "phone", value: s };
  if (digits.length === 11 && digits.startsWith("84")) return { id_type: "phone", value: s };
  return { id_type: "citizen_id", value: s };
}

// The lines of a textarea that say something, with their line numbers.
function linesOf(text) {
  return text.split(/\r?\n/).map((l, i) => ({ text: l.trim(), line: i + 1 })).filter((l) => l.text);
}

// ---- the service's field problems in words ----

const lastNumber = (m) => ((/(\d[\d,.]*)\D*$/.exec(m) || [])[1] || "").replace(/[,.]/g, "");
const firstNumber = (m) => ((/(\d[\d,]*)/.exec(m) || [])[1] || "").replace(/,/g, "");

/** The catalog key and arguments of a field problem, by its field and rule. */
export function fieldProblem(field, message) {
  const base = field.replace(/\[\d+\]/g, "");
  const m = message || "";
  const n = (v) => ({ n: fmt(Number(v)) });
  if (/^(participants|add|remove)(\.(value|issuer|id_type))?$/.test(base) && base.includes(".")
    || base === "remove") {
    if (/not among/.test(m)) return ["feNotAmong"];
    if (base.endsWith(".issuer") || /school/.test(m)) return ["feIssuer"];
    if (/citizen id/.test(m)) return ["feCitizen"];
    if (/phone/.test(m)) return ["fePhone"];
    if (/student id/.test(m)) return ["feStudent"];
    return ["fePerson"];
  }
  switch (base) {
    case "title": return ["feTitle"];
    case "kind": return /remove the/.test(m) ? ["feKindPeople", n(firstNumber(m))] : ["feKind"];
    case "description": return ["feDescription"];
    case "topics": return ["feTopics"];
    case "start_date":
    case "end_date":
      if (/before start_date/.test(m)) return ["feEndBefore"];
      if (/^required/.test(m)) return ["feDateRequired"];
      if (/2000/.test(m)) return ["feDateEarly"];
      if (/tomorrow/.test(m)) return ["feDateLate"];
      return ["feDateForm"];
    case "area_code":
      if (/unknown/.test(m)) return ["feAreaUnknown"];
      if (/not valid on/.test(m)) return ["feAreaDate"];
      return ["feArea"];
    case "co_organizers": return ["feCo"];
    case "sessions": return ["feSessions", n(lastNumber(m))];
    case "attendance":
      if (/female \+ male/.test(m)) return ["feSexSum"];
      if (/mass-media/.test(m)) return ["feAttendanceMedia"];
      return ["feTotal"];
    case "attendance.total":
      if (/at least/.test(m)) return ["feTotalPeople", n(firstNumber(m))];
      if (/^must be 0 to/.test(m)) return ["feRange", n(lastNumber(m))];
      return ["feTotal"];
    case "attendance.female":
    case "attendance.male":
      return /^must be 0 to/.test(m) ? ["feRange", n(lastNumber(m))] : ["feNumber"];
    case "attendance.under_18":
      return /exceed/.test(m) ? ["feUnder18"] : /^must be 0 to/.test(m) ? ["feRange", n(lastNumber(m))] : ["feNumber"];
    case "attendance.declared_people":
      if (/exceed/.test(m)) return ["feDeclaredTotal"];
      if (/at least/.test(m)) return ["feDeclaredPeople", n(firstNumber(m))];
      return /^must be 0 to/.test(m) ? ["feRange", n(lastNumber(m))] : ["feNumber"];
    case "audience": return /only mass-media/.test(m) ? ["feAudienceOther"] : ["feAudience"];
    case "audience.estimate": return /^must be 0 to/.test(m) ? ["feRange", n(lastNumber(m))] : ["feAudience"];
    case "participants":
      if (/mass-media/.test(m)) return ["fePeopleMedia"];
      return ["fePeopleMany", n(firstNumber(m))];
    case "add": return ["fePeopleMany", n(firstNumber(m))];
    case "legal_basis": return ["feLegal"];
    case "consent_by": return /children/.test(m) ? ["feLegalChildren"] : ["feLegal"];
    case "legal_reference": return /children/.test(m) ? ["feLegalChildren"] : ["feLegalRef"];
    default: return ["feInvalid"];
  }
}

// ---- showing problems ----

// The element that says a field's problem: `attendance.total` →
// #ef-err-attendance-total; list items go to their list.
function errorElement(field) {
  const base = field.replace(/\[\d+\].*$/, "").replace(/\[\d+\]/g, "");
  return $("ef-err-" + base.replace(/\./g, "-")) || null;
}

function clearErrors() {
  for (const e of document.querySelectorAll("#ef-form .field-error")) {
    e.replaceChildren();
    e.hidden = true;
  }
  for (const e of document.querySelectorAll("#ef-form [aria-invalid]")) e.removeAttribute("aria-invalid");
  for (const id of ["ef-error", "ef-error-bottom"]) {
    $(id).textContent = "";
    $(id).hidden = true;
  }
}

function inputOf(errorEl) {
  const id = errorEl.id.replace(/^ef-err-/, "");
  const map = { title: "ef-title", kind: "ef-kind", start_date: "ef-start", end_date: "ef-end", area_code: "ef-place-q",
    sessions: "ef-sessions", "attendance-total": "ef-total", "attendance-female": "ef-female", "attendance-male": "ef-male",
    "attendance-under_18": "ef-under18", "attendance-declared_people": "ef-declared", "audience-estimate": "ef-estimate",
    participants: "ef-people", add: "ef-people-add", remove: "ef-people-remove", description: "ef-description" };
  return map[id] ? $(map[id]) : null;
}

// Says `text` at the field's place (a list item for a list of lines).
function sayAt(el, text) {
  if (el.tagName === "UL") {
    const li = document.createElement("li");
    li.textContent = text;
    el.appendChild(li);
  } else {
    el.textContent = el.textContent ? el.textContent + " " + text : text;
  }
  el.hidden = false;
  const input = inputOf(el);
  if (input) input.setAttribute("aria-invalid", "true");
}

// The service's field problems, each at its field; a participant's at its
// line (`lines`: the lines sent, by list name).
function showProblems(errors, lines) {
  for (const e of errors) {
    const [key, args] = fieldProblem(e.field, e.message);
    const text = t(key, args);
    const item = /^(participants|add|remove)\[(\d+)\]/.exec(e.field);
    if (item && lines[item[1]] && lines[item[1]][Number(item[2])]) {
      sayAt(errorElement(item[1]), t("lineError", { line: lines[item[1]][Number(item[2])].line, text }));
    } else {
      sayAt(errorElement(e.field) || $("ef-error"), text);
    }
  }
  formError("fFix");
}

function formError(key, args, text) {
  for (const id of ["ef-error", "ef-error-bottom"]) {
    const el = $(id);
    if (id === "ef-error" && el.textContent && key === "fFix") { el.hidden = false; continue; }
    el.textContent = text || t(key, args);
    el.hidden = false;
  }
  const first = document.querySelector("#ef-form [aria-invalid='true']");
  (first || $("ef-error")).focus?.();
  if (!first) $("ef-error").scrollIntoView({ block: "center" });
}

// ---- the fields ----

function fillChecks(container, name, values, labels, chosen) {
  container.replaceChildren();
  for (const v of values) {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = name;
    box.value = v;
    box.checked = chosen.includes(v);
    label.append(box, " ", labels[v] || v);
    container.appendChild(label);
  }
}

const checked = (container) => [...container.querySelectorAll("input:checked")].map((b) => b.value);

/** Says the form's words again (the language changed), keeping what was typed. */
export function translateForm() {
  if (!form.ctx) return;
  const kind = $("ef-kind").value;
  const select = $("ef-kind");
  select.replaceChildren(new Option("—", ""));
  for (const k of KINDS) select.appendChild(new Option(t("kinds")[k], k));
  select.value = kind;
  const basis = $("ef-basis").value || "estimate";
  $("ef-basis").replaceChildren(...BASES.map((b) => new Option(t("bases")[b], b)));
  $("ef-basis").value = basis;
  const legal = $("ef-legal").value;
  $("ef-legal").replaceChildren(...LEGAL.map(([v, key]) => new Option(t(key), v)));
  $("ef-legal").value = legal;
  fillChecks($("ef-topics"), "topics", TOPICS, t("topics"), checked($("ef-topics")));
  fillChecks($("ef-targets"), "target_groups", TARGETS, t("targetGroups"), checked($("ef-targets")));
  const names = Object.fromEntries(form.ctx.agencies.map((a) => [a.code, a.label]));
  fillChecks($("ef-co"), "co", form.ctx.agencies.map((a) => a.code).filter((c) => c !== form.ctx.agency), names,
    checked($("ef-co")));
  $("ef-heading").textContent = t(form.event ? "formEdit" : "formNew");
  switchKind();
  countLines();
  if (form.event) $("ef-people-have").textContent = t("fPeopleHave", { n: fmt(form.event.participants_identified) });
}

// The legal bases a clerk chooses from: legal_basis|consent_by.
const LEGAL = [["", "fLegalNone"], ["consent|person", "fLegalConsent"],
  ["consent|legal_representative", "fLegalGuardian"], ["legal_obligation|", "fLegalObligation"],
  ["public_task|", "fLegalPublic"]];

// The chosen basis as the event's three fields (null: none).
function legalOf() {
  const [basis, by] = ($("ef-legal").value || "|").split("|");
  return { legal_basis: basis || null, consent_by: by || null,
    legal_reference: $("ef-legal-ref").value.trim() || null };
}

// The kind decides what is recorded: attendance and people, or an audience.
function switchKind() {
  const media = MEDIA.has($("ef-kind").value);
  $("ef-attendance").hidden = media;
  $("ef-people-set").hidden = media;
  $("ef-audience").hidden = !media;
  $("ef-sessions-label").textContent = t(media ? "fSessionsMedia" : "fSessions");
  $("ef-sessions-hint").textContent = media ? "" : t("fSessionsHint");
  $("ef-sessions-hint").hidden = media;
}

function countLines() {
  const n = linesOf($("ef-people").value).length;
  $("ef-people-count").textContent = n ? t("fPeopleLines", { n: fmt(n) }) : "";
}

function showPlace() {
  const p = form.place;
  $("ef-place-chosen").hidden = !p;
  $("ef-place-chosen").textContent = p ? t("fPlaceChosen", { name: p.label }) : "";
  $("ef-place-q").placeholder = p ? t("fPlaceOther") : "";
}

// ---- the place picker ----

let searchTimer = null;
let searchGen = 0;
function searchPlace() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const gen = ++searchGen;
    const text = $("ef-place-q").value.trim();
    const list = $("ef-place-results");
    const status = $("ef-place-status");
    list.replaceChildren();
    status.textContent = "";
    if (text.length < 2) return;
    const day = parseDmy($("ef-start").value);
    if (!day) {
      status.textContent = t("fPlaceNeedDate");
      return;
    }
    status.textContent = t("fPlaceSearching");
    try {
      const found = await searchPlaces(text, day, form.ctx.scope);
      if (gen !== searchGen) return;
      const scope = await scopeName(form.ctx.scope, day);
      $("ef-place-scope").hidden = !scope;
      $("ef-place-scope").textContent = scope ? t("fPlaceScope", { name: scope }) : "";
      status.textContent = found.length ? "" : t("fPlaceNone", { date: dmy(day) });
      for (const p of found) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = p.label;
        b.dataset.code = p.code;
        b.addEventListener("click", () => {
          form.place = { code: p.code, label: p.label, day };
          list.replaceChildren();
          $("ef-place-q").value = "";
          showPlace();
          $("ef-err-area_code").hidden = true;
          $("ef-place-q").removeAttribute("aria-invalid");
        });
        li.appendChild(b);
        list.appendChild(li);
      }
    } catch (e) {
      if (gen === searchGen && !e.handled) status.textContent = e.message;
    }
  }, 250);
}

// ---- reading the form ----

// A count typed in a field: a whole number, null when empty; undefined
// (and a problem said at the field) when it is not one.
function count(id, errorId, problems) {
  const s = $(id).value.trim().replace(/[.\s]/g, "");
  if (!s) return null;
  if (!/^\d+$/.test(s)) {
    problems.push([errorId, "feNumber"]);
    return undefined;
  }
  return Number(s);
}

// What the form says, as an event's fields (no participants), and the
// problems found before asking the service.
function read() {
  const problems = [];
  const kind = $("ef-kind").value;
  const media = MEDIA.has(kind);
  const start = parseDmy($("ef-start").value);
  let end = parseDmy($("ef-end").value);
  if (start === "") problems.push(["ef-err-start_date", "feDateRequired"]);
  else if (start === null) problems.push(["ef-err-start_date", "feDateForm"]);
  if (end === null) problems.push(["ef-err-end_date", "feDateForm"]);
  if (end === "") end = start;
  if (!form.place) problems.push(["ef-err-area_code", "feArea"]);
  const sessions = count("ef-sessions", "ef-err-sessions", problems);
  const doc = {
    title: $("ef-title").value.trim(),
    kind,
    topics: checked($("ef-topics")),
    target_groups: checked($("ef-targets")),
    start_date: start || undefined,
    end_date: end || undefined,
    area_code: form.place ? form.place.code : undefined,
    sessions: sessions ?? 1,
    co_organizers: checked($("ef-co")),
    description: $("ef-description").value.trim() || null,
  };
  if (!kind) problems.push(["ef-err-kind", "feKind"]);
  if (media) {
    const estimate = count("ef-estimate", "ef-err-audience-estimate", problems);
    if (estimate === null) problems.push(["ef-err-audience-estimate", "feAudience"]);
    doc.audience = { estimate, basis: $("ef-basis").value || "estimate" };
  } else {
    const a = {};
    for (const [k, id] of COUNTS) a[k] = count(id, "ef-err-attendance-" + k, problems);
    if (a.total === null) problems.push(["ef-err-attendance-total", "feTotal"]);
    doc.attendance = a;
    Object.assign(doc, legalOf());
  }
  return { doc, problems, media };
}

// The participants of a textarea, and a problem per line not understood.
function participantsOf(id, errorId, problems) {
  const lines = linesOf($(id).value);
  const list = [];
  const kept = [];
  for (const l of lines) {
    const p = participantOf(l.text);
    if (!p) problems.push([errorId, "lineError", { line: l.line, text: t("feUnknownLine") }]);
    else {
      list.push(p);
      kept.push(l);
    }
  }
  return { list, lines: kept };
}

const sameList = (a, b) => [...(a || [])].sort().join("|") === [...(b || [])].sort().join("|");

// The merge patch from the stored event to the form: only what changed.
function patchOf(e, doc, media) {
  const patch = {};
  for (const k of ["title", "kind", "start_date", "end_date", "area_code", "sessions"]) {
    if (doc[k] !== e[k]) patch[k] = doc[k];
  }
  if ((doc.description || null) !== (e.description || null)) patch.description = doc.description;
  for (const k of ["topics", "target_groups", "co_organizers"]) if (!sameList(doc[k], e[k])) patch[k] = doc[k];
  if (media) {
    if (e.attendance) patch.attendance = null;
    const old = e.audience || {};
    if (doc.audience.estimate !== old.estimate || doc.audience.basis !== (old.basis || "estimate")) patch.audience = doc.audience;
  } else {
    if (e.audience) patch.audience = null;
    const old = e.attendance || {};
    const changed = {};
    for (const [k] of COUNTS) if ((doc.attendance[k] ?? null) !== (old[k] ?? null)) changed[k] = doc.attendance[k];
    if (!e.attendance) patch.attendance = doc.attendance;
    else if (Object.keys(changed).length) patch.attendance = changed;
    const basis = e.legal_basis === "unknown" ? null : e.legal_basis ?? null;
    const stated = { legal_basis: basis, consent_by: e.consent_by ?? null, legal_reference: e.legal_reference ?? null };
    for (const k of Object.keys(stated)) if (doc[k] !== stated[k]) patch[k] = doc[k];
  }
  return patch;
}

// A new event's own id, when the clerk has none: the day and a random part.
function newExternalId() {
  const now = new Date();
  const day = now.toISOString().slice(0, 10).replace(/-/g, "");
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return `web-${day}-` + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- saving ----

async function save(ev) {
  ev.preventDefault();
  if (form.busy) return;
  clearErrors();
  const { doc, problems, media } = read();
  const creating = !form.event;
  let people = { list: [], lines: [] };
  let add = { list: [], lines: [] };
  let remove = { list: [], lines: [] };
  if (!media) {
    if (creating) people = participantsOf("ef-people", "ef-err-participants", problems);
    else {
      add = participantsOf("ef-people-add", "ef-err-add", problems);
      remove = participantsOf("ef-people-remove", "ef-err-remove", problems);
    }
  }
  if (problems.length) {
    for (const [id, key, args] of problems) sayAt($(id), t(key, args));
    formError("fFix");
    return;
  }
  const button = $("ef-save");
  form.busy = true;
  button.disabled = true;
  button.textContent = t("fSaving");
  try {
    let saved;
    if (creating) {
      const body = { external_id: newExternalId(), ...doc };
      if (!body.description) delete body.description;
      for (const k of ["legal_basis", "consent_by", "legal_reference"]) if (body[k] === null) delete body[k];
      if (!media) body.participants = people.list;
      try {
        saved = await request("/api/v1/events", { method: "POST", body });
      } catch (e) {
        if (e.fields && e.fields.length) return showProblems(e.fields, { participants: people.lines });
        throw e;
      }
    } else {
      saved = await correct(doc, media, add, remove);
      if (!saved) return;
    }
    form.ctx.done("saved", { title: saved.title });
  } catch (e) {
    if (!e.handled) formError(null, null, e.message);
  } finally {
    form.busy = false;
    button.disabled = false;
    button.textContent = t("fSave");
  }
}

// A correction: the fields that changed by PATCH, people by POST
// participants (people first when the headcount goes down, so that it
// still holds them); each with the version just read. Null when a problem
// was said at its field.
async function correct(doc, media, add, remove) {
  let e = form.event;
  const patch = patchOf(e, doc, media);
  const change = add.list.length || remove.list.length ? { add: add.list, remove: remove.list } : null;
  if (!Object.keys(patch).length && !change) {
    formError("fNoChange");
    return null;
  }
  const lines = { add: add.lines, remove: remove.lines };
  const steps = [];
  const sendPatch = async () => {
    e = await request(`/api/v1/events/${e.id}`, { method: "PATCH", body: patch, ifMatch: e.version,
      contentType: "application/merge-patch+json" });
  };
  const sendPeople = async () => {
    e = await request(`/api/v1/events/${e.id}/participants`, { method: "POST", body: change, ifMatch: e.version });
  };
  const lower = patch.attendance && patch.attendance.total !== undefined && form.event.attendance
    && patch.attendance.total < form.event.attendance.total;
  if (Object.keys(patch).length) steps.push(sendPatch);
  if (change) steps[lower ? "unshift" : "push"](sendPeople);
  for (const step of steps) {
    try {
      await step();
      form.event = e;
    } catch (err) {
      if (err.fields && err.fields.length) {
        showProblems(err.fields, lines);
        return null;
      }
      throw err;
    }
  }
  return e;
}

// ---- opening ----

function reset() {
  clearErrors();
  form.place = null;
  for (const id of ["ef-title", "ef-start", "ef-end", "ef-place-q", "ef-description", "ef-people", "ef-people-add",
    "ef-people-remove", "ef-estimate", ...COUNTS.map(([, i]) => i)]) $(id).value = "";
  $("ef-sessions").value = "1";
  $("ef-kind").value = "";
  $("ef-basis").value = "estimate";
  $("ef-legal").value = "";
  $("ef-legal-ref").value = "";
  $("ef-place-results").replaceChildren();
  $("ef-place-status").textContent = "";
  $("ef-place-scope").hidden = true;
  for (const b of document.querySelectorAll("#ef-form input[type=checkbox]")) b.checked = false;
}

/** Opens the form: a new activity (`event` null) or a correction of `event`. */
export async function openForm(ctx, event) {
  form.ctx = ctx;
  form.event = event;
  translateForm();
  reset();
  $("ef-people-new").hidden = !!event;
  $("ef-people-edit").hidden = !event;
  $("ef-external").hidden = !event;
  if (event) {
    $("ef-external").textContent = t("fExternal", { id: event.external_id });
    $("ef-title").value = event.title;
    $("ef-kind").value = event.kind;
    $("ef-start").value = dmy(event.start_date);
    $("ef-end").value = event.end_date === event.start_date ? "" : dmy(event.end_date);
    $("ef-sessions").value = String(event.sessions);
    $("ef-description").value = event.description || "";
    if (event.legal_basis && event.legal_basis !== "unknown") {
      $("ef-legal").value = `${event.legal_basis}|${event.consent_by || ""}`;
    }
    $("ef-legal-ref").value = event.legal_reference || "";
    for (const [k, id] of COUNTS) {
      const v = event.attendance ? event.attendance[k] : null;
      $(id).value = v === null || v === undefined ? "" : String(v);
    }
    if (event.audience) {
      $("ef-estimate").value = String(event.audience.estimate ?? "");
      $("ef-basis").value = event.audience.basis || "estimate";
    }
    for (const [box, list] of [["ef-topics", event.topics], ["ef-targets", event.target_groups], ["ef-co", event.co_organizers]]) {
      for (const b of $(box).querySelectorAll("input")) b.checked = list.includes(b.value);
    }
    form.place = { code: event.area_code, label: await placeLabel(event.area_code, event.start_date), day: event.start_date };
  }
  translateForm();
  showPlace();
  $("ef-heading").focus();
  if (event) await showGroup(event); else $("ef-group").hidden = true;
}

// The real event this report belongs to (issue 32): the other agencies'
// reports joined with it, counted once, and a way to take this report out.
async function showGroup(event) {
  const box = $("ef-group");
  box.hidden = true;
  $("ef-group-error").hidden = true;
  let group;
  try {
    group = await request(`/api/v1/events/${event.id}/same-as`);
  } catch (e) {
    return; // the form works without it
  }
  if (form.event !== event) return;
  const others = group.reports.filter((r) => r.id !== event.id);
  if (!others.length) return;
  $("ef-group-text").textContent = t("groupIntro");
  $("ef-group-list").replaceChildren(...others.map((r) => {
    const li = document.createElement("li");
    const dates = r.start_date === r.end_date ? dmy(r.start_date) : `${dmy(r.start_date)} – ${dmy(r.end_date)}`;
    const figures = r.figures_shown && r.attendance_total !== null && r.attendance_total !== undefined
      ? t("groupFigures", { n: fmt(r.attendance_total) }) : "";
    li.textContent = t("groupReport", { agency: form.ctx.names[r.agency] || r.agency, kind: t("kinds")[r.kind] || r.kind,
      dates, figures });
    return li;
  }));
  box.hidden = false;
}

$("ef-group-leave").addEventListener("click", async () => {
  const event = form.event;
  if (!event) return;
  $("ef-group-leave").disabled = true;
  try {
    await request(`/api/v1/events/${event.id}/same-as`, { method: "DELETE" });
    $("ef-group").hidden = true;
    form.ctx.done("groupLeft", { title: event.title });
  } catch (e) {
    if (!e.handled) {
      $("ef-group-error").textContent = e.message;
      $("ef-group-error").hidden = false;
    }
  } finally {
    $("ef-group-leave").disabled = false;
  }
});

/** Forgets the form (signed out). */
export function closeForm() {
  if (form.ctx) reset();
  form.ctx = null;
  form.event = null;
}

$("ef-form").addEventListener("submit", save);
$("ef-kind").addEventListener("change", switchKind);
$("ef-place-q").addEventListener("input", searchPlace);
$("ef-people").addEventListener("input", countLines);
$("ef-start").addEventListener("change", () => {
  // A place chosen for another day may not exist on this one: the service
  // says so at the place if it does not.
  if ($("ef-place-q").value.trim().length >= 2) searchPlace();
});
