// The agency's activities: its list (newest first, a page at a time), a
// correction or a new activity in the form (event-form.js), and deleting
// one with its reason (kept in the audit log). Every request goes through
// api.js.
import { request, requestAll } from "./api.js";
import { dmy, fmt, t } from "./i18n.js";
import { MEDIA, closeForm, openForm, translateForm } from "./event-form.js";
import { placeLabel } from "./places.js";

const $ = (id) => document.getElementById(id);
const PAGE = 20;
// ctx: { agency, agencies, scope, show(screenId) }.
const list = { ctx: null, events: [], page: 0, gen: 0, notice: null };

function status(text, error) {
  const line = $("events-status");
  line.textContent = text || "";
  line.className = error ? "error" : "";
}

// Every live event of the agency (the service lists them in the order they
// changed; the page shows the latest activities first).
async function loadAll() {
  const gen = ++list.gen;
  const events = await requestAll("/api/v1/events" + (list.ctx.agency ? "?" + new URLSearchParams({ agency: list.ctx.agency }) : ""));
  if (gen !== list.gen) return false;
  events.sort((a, b) => (b.start_date.localeCompare(a.start_date)) || b.created_at.localeCompare(a.created_at));
  list.events = events;
  return true;
}

function cell(text, cls, label) {
  const td = document.createElement("td");
  if (cls) td.className = cls;
  td.textContent = text;
  if (label) td.dataset.label = label;
  return td;
}

function button(key, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = t(key);
  b.addEventListener("click", onClick);
  return b;
}

// The page of the list being shown.
function render() {
  const container = $("events-list");
  const pages = Math.max(1, Math.ceil(list.events.length / PAGE));
  list.page = Math.min(list.page, pages - 1);
  if (!list.events.length) {
    container.replaceChildren();
    status(t("eventsNone"));
    $("events-pager").replaceChildren();
    return;
  }
  status(list.notice ? list.notice : t("eventsCount", { n: fmt(list.events.length) }));
  const heads = ["colDate", "colTitle", "colKind", "colPlace", "colSessions", "colAttendance", "colPeople", "colActions"].map(t);
  const table = document.createElement("table");
  table.className = "events";
  const head = table.createTHead().insertRow();
  heads.forEach((h, i) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    if (i >= 4 && i <= 6) th.className = "n";
    head.appendChild(th);
  });
  const body = table.createTBody();
  for (const e of list.events.slice(list.page * PAGE, (list.page + 1) * PAGE)) {
    const tr = body.insertRow();
    tr.dataset.id = e.id;
    const date = e.end_date !== e.start_date ? `${dmy(e.start_date)} – ${dmy(e.end_date)}` : dmy(e.start_date);
    const title = document.createElement("th");
    title.scope = "row";
    title.className = "title";
    title.textContent = e.title;
    const place = cell(e.area_code, "place", heads[3]);
    placeLabel(e.area_code, e.start_date).then((label) => { place.textContent = label; }).catch(() => {});
    const media = MEDIA.has(e.kind);
    const reach = media ? t("audienceShort", { n: fmt(e.audience ? e.audience.estimate : null) })
      : fmt(e.attendance ? e.attendance.total : null);
    const actions = cell("", "actions", "");
    actions.append(button("edit", "secondary", () => edit(e)), button("remove", "danger", () => askDelete(tr, e)));
    tr.append(cell(date, "date", heads[0]), title, cell(t("kinds")[e.kind] || e.kind, "kind", heads[2]), place,
      cell(fmt(e.sessions), "n sessions", heads[4]), cell(reach, "n reach", heads[5]),
      cell(media ? "–" : fmt(e.participants_identified), "n people", heads[6]), actions);
  }
  container.replaceChildren(table);
  const pager = $("events-pager");
  pager.replaceChildren();
  if (pages > 1) {
    const prev = button("prevPage", "secondary", () => { list.page -= 1; list.notice = null; render(); });
    prev.disabled = list.page === 0;
    const next = button("nextPage", "secondary", () => { list.page += 1; list.notice = null; render(); });
    next.disabled = list.page >= pages - 1;
    const where = document.createElement("span");
    where.textContent = t("pageOf", { p: list.page + 1, n: pages });
    pager.append(prev, where, next);
  }
}

// Deleting asks why, under the row.
function askDelete(tr, e) {
  const open = tr.nextElementSibling && tr.nextElementSibling.classList.contains("confirm") ? tr.nextElementSibling : null;
  if (open) { open.querySelector("input").focus(); return; }
  const row = document.createElement("tr");
  row.className = "confirm";
  const td = document.createElement("td");
  td.colSpan = 8;
  const form = document.createElement("form");
  form.noValidate = true;
  form.className = "delete-form";
  const ask = document.createElement("p");
  ask.textContent = t("deleteAsk", { title: e.title });
  const id = "del-" + e.id;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = t("deleteReason");
  const input = document.createElement("input");
  input.id = id;
  input.maxLength = 500;
  const error = document.createElement("p");
  error.className = "field-error";
  error.hidden = true;
  error.id = id + "-error";
  input.setAttribute("aria-describedby", error.id);
  const go = document.createElement("button");
  go.type = "submit";
  go.className = "danger";
  go.textContent = t("deleteConfirm");
  const cancel = button("cancel", "secondary", () => row.remove());
  const tools = document.createElement("div");
  tools.className = "toolbar";
  tools.append(go, cancel);
  form.append(ask, label, input, error, tools);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const reason = input.value.trim();
    if (!reason) {
      error.textContent = t("needReason");
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    go.disabled = true;
    try {
      await request(`/api/v1/events/${e.id}?` + new URLSearchParams({ reason }), { method: "DELETE" });
      list.events = list.events.filter((x) => x.id !== e.id);
      list.notice = t("deleted", { title: e.title });
      render();
    } catch (err) {
      go.disabled = false;
      if (!err.handled) {
        error.textContent = err.message;
        error.hidden = false;
      }
    }
  });
  td.appendChild(form);
  row.appendChild(td);
  tr.after(row);
  input.focus();
}

async function edit(e) {
  try {
    // The event as stored now (its version is what the correction names).
    const fresh = await request(`/api/v1/events/${e.id}`);
    list.ctx.show("event-form-screen");
    await openForm(formCtx(), fresh);
  } catch (err) {
    if (!err.handled) status(err.message, true);
  }
}

function formCtx() {
  return {
    ...list.ctx,
    done: async (key, args) => {
      list.notice = t(key, args);
      await showList();
    },
  };
}

/** Shows the list (loaded again). */
export async function showList(ctx) {
  if (ctx) list.ctx = ctx;
  list.ctx.show("events-screen");
  const notice = list.notice;
  status(notice || t("eventsLoading"));
  try {
    if (!(await loadAll())) return;
    render();
    list.notice = null;
    if (notice) status(notice);
  } catch (e) {
    if (!e.handled) status(e.message, true);
  }
}

/** Says the list again in the page's language. */
export function translateEvents() {
  if (!list.ctx) return;
  if (!$("events-screen").hidden) render();
  translateForm();
}

/** Signed out: nothing stays. */
export function closeEvents() {
  list.gen += 1;
  list.ctx = null;
  list.events = [];
  list.notice = null;
  $("events-list").replaceChildren();
  $("events-pager").replaceChildren();
  status("");
  closeForm();
}

$("events-new").addEventListener("click", async () => {
  list.ctx.show("event-form-screen");
  await openForm(formCtx(), null);
});
$("ef-back").addEventListener("click", () => showList());
