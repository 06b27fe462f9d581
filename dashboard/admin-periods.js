// An admin's periods (issue 32): lock a month, a quarter or a year once its
// figures are signed, reopen it with a reason, publish a locked period's
// figures (the service withholds small counts), and read the versions
// published and what changed between them. Every request goes through
// api.js.
import { request, requestAll } from "./api.js";
import { dmy, fmt, fmtMoment as when, periodWords, t } from "./i18n.js";
import { actionButton, el, field, fieldError, statusLine, table } from "./dom.js";

const $ = (id) => document.getElementById(id);
// ctx: { show(screenId), now() (the service's clock, ms), names: agency code → name }.
const adm = { ctx: null, gen: 0, locks: [], pubs: [], tokens: {} };
const ROMAN = ["I", "II", "III", "IV"];

const status = (text, error) => statusLine("periods-status", text, error);
const fail = (e) => status(e.message, true);
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// The lock form's choices: the last six years; the whole year, its
// quarters and months.
function fillChoices() {
  const year = $("lock-year");
  const part = $("lock-part");
  const chosen = [year.value, part.value];
  const now = new Date(adm.ctx.now()).getUTCFullYear();
  year.replaceChildren(...Array.from({ length: 6 }, (_, i) => new Option(String(now - i), String(now - i))));
  const parts = [["", t("wholeYear")], ...ROMAN.map((r, i) => [`-Q${i + 1}`, t("quarterN", { q: r })]),
    ...Array.from({ length: 12 }, (_, i) => [`-${String(i + 1).padStart(2, "0")}`, t("monthN", { m: i + 1 })])];
  part.replaceChildren(...parts.map(([v, label]) => new Option(label, v)));
  if (chosen[0]) year.value = chosen[0];
  if (chosen[1] !== undefined && [...part.options].some((o) => o.value === chosen[1])) part.value = chosen[1];
}

const byWhom = (who) => (who && adm.tokens[who] ? t("byToken", { label: adm.tokens[who] }) : who || "");

function render() {
  const locks = adm.locks;
  const box = $("locks-list");
  if (!locks.length) {
    box.replaceChildren(el("p", "note", t("locksNone")));
  } else {
    box.replaceChildren(table("wide admin locks", ["colPeriod", "colDates", "colLockedAt", "colLockedBy", "colReason", "colActions"],
      locks.map((l) => {
        const actions = el("div", "actions");
        actions.dataset.period = l.period;
        actions.append(actionButton("publishAction", null, () => askPublish(actions, l), fail),
          actionButton("reopenAction", "secondary", () => askReopen(actions, l), fail));
        return [capital(periodWords(l.period)), `${dmy(l.starts_on)} – ${dmy(l.ends_on)}`, when(l.locked_at), byWhom(l.locked_by),
          l.reason || "", actions];
      })));
  }
  const pubs = adm.pubs;
  const pbox = $("pubs-list");
  if (!pubs.length) {
    pbox.replaceChildren(el("p", "note", t("pubsNone")));
    return;
  }
  pbox.replaceChildren(table("wide admin pubs", ["colPeriod", "colVersion", "colPubTitle", "colPublishedAt", "colActions"],
    pubs.map((p) => {
      const actions = el("div", "actions");
      actions.dataset.period = p.period;
      actions.dataset.version = p.version;
      if (p.version > 1) actions.append(actionButton("changesAction", "secondary", () => showChanges(p), fail));
      return [capital(periodWords(p.period)), fmt(p.version), p.title, when(p.published_at), actions];
    }), [1]));
}

// A small form under a row's buttons: one text field and its button.
function inlineForm(anchor, id, key, value, submitKey, onSubmit) {
  const open = anchor.querySelector("form");
  if (open) open.remove();
  const form = el("form", "inline-form");
  form.noValidate = true;
  const input = el("input");
  input.maxLength = 500;
  input.value = value || "";
  const go = el("button", null, t(submitKey));
  go.type = "submit";
  const cancel = el("button", "secondary", t("cancel"));
  cancel.type = "button";
  cancel.addEventListener("click", () => form.remove());
  const tools = el("div", "toolbar");
  tools.append(go, cancel);
  form.append(field(id, key, input), tools);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) { fieldError(id, t("needText")); input.focus(); return; }
    go.disabled = true;
    try {
      await onSubmit(text);
    } catch (e) {
      go.disabled = false;
      if (!e.handled) fieldError(id, e.message);
    }
  });
  anchor.appendChild(form);
  input.focus();
}

function askReopen(anchor, lock) {
  inlineForm(anchor, "reopen-" + lock.period, "reopenReason", "", "reopenAction", async (reason) => {
    await request(`/api/v1/periods/${encodeURIComponent(lock.period)}/reopen`, { method: "POST", body: { reason } });
    await load(t("reopened", { period: periodWords(lock.period) }));
  });
}

function askPublish(anchor, lock) {
  const title = t("publishTitleDefault", { period: periodWords(lock.period) });
  inlineForm(anchor, "publish-" + lock.period, "publishTitle", title, "publishAction", async (text) => {
    status(t("publishing", { period: periodWords(lock.period) }));
    const pub = await request("/api/v1/publications", { method: "POST", body: { title: text, period: lock.period } });
    await load(t("published", { period: periodWords(pub.period), version: pub.version, n: fmt(pub.suppressed_cells) }));
  });
}

// A table's name ("agency,kind" → "Theo cơ quan và hình thức") and a row's
// key values by name.
function tableName(name) {
  const groups = t("groupNames");
  const parts = String(name).split(",").map((g) => groups[g.trim()] || g.trim());
  return t("byGroups", { list: parts.join(t("and")) });
}

function valueName(dim, v) {
  if (v === null || v === undefined) return "–";
  if (dim === "agency") return adm.ctx.names[v] || v;
  const table = { kind: "kinds", topic: "topics", target_group: "targetGroups" }[dim];
  if (table) return t(table)[v] || v;
  if (dim.startsWith("period")) return periodWords(v);
  return v;
}

// What changed from the version before: every cell whose value or
// withholding differs.
async function showChanges(p) {
  const c = await request(`/api/v1/publications/${encodeURIComponent(p.period)}/changes?since=${p.version - 1}`);
  const box = $("pub-changes");
  box.hidden = false;
  const head = el("h4", null, t("changesTitle", { period: periodWords(p.period), since: c.since, version: c.version }));
  const value = (v, hidden) => (hidden ? t("withheld") : fmt(v));
  const keyText = (key) => (key ? Object.entries(key).map(([k, v]) => valueName(k, v)).join(", ") : t("totalRow"));
  box.replaceChildren(head, c.changes.length
    ? table("wide admin changes", ["colTable", "colRow", "colMeasure", "colBefore", "colAfter"],
      c.changes.map((x) => [tableName(x.table), keyText(x.key), t("measureNames")[x.measure] || x.measure,
        value(x.before, x.before_suppressed), value(x.after, x.after_suppressed)]), [3, 4])
    : el("p", "note", t("changesNone")));
  box.scrollIntoView({ block: "nearest" });
}

async function load(notice) {
  const gen = ++adm.gen;
  status(t("loading"));
  const [locks, pubs, tokens] = await Promise.all([requestAll("/api/v1/periods"), requestAll("/api/v1/publications"),
    request("/api/v1/tokens")]);
  if (gen !== adm.gen) return;
  // Who locked: a person's username, or a token named by its label.
  adm.tokens = Object.fromEntries(tokens.map((k) => [k.id, k.label]));
  adm.locks = locks;
  adm.pubs = pubs;
  render();
  status(notice || "");
}

/** Shows the periods screen (admins). */
export async function showPeriods(ctx) {
  if (ctx) adm.ctx = ctx;
  adm.ctx.show("periods-screen");
  fillChoices();
  $("pub-changes").hidden = true;
  try { await load(); } catch (e) { if (!e.handled) fail(e); }
}

/** Says the screen again in the page's language. */
export function translatePeriods() {
  if (!adm.ctx) return;
  fillChoices();
  if (!$("periods-screen").hidden) render();
}

/** Signed out: nothing stays. */
export function closePeriods() {
  adm.gen += 1;
  adm.ctx = null;
  adm.locks = [];
  adm.pubs = [];
  for (const id of ["locks-list", "pubs-list", "pub-changes"]) $(id).replaceChildren();
  status("");
}

$("lock-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const period = $("lock-year").value + $("lock-part").value;
  const reason = $("lock-reason").value.trim();
  fieldError("lock-reason", null);
  if (!reason) { fieldError("lock-reason", t("needText")); $("lock-reason").focus(); return; }
  $("lock-submit").disabled = true;
  try {
    const lock = await request("/api/v1/periods", { method: "POST", body: { period, reason } });
    $("lock-reason").value = "";
    await load(t("locked", { period: periodWords(lock.period), from: dmy(lock.starts_on), to: dmy(lock.ends_on) }));
  } catch (e) {
    if (!e.handled) fieldError("lock-reason", e.message);
  } finally {
    $("lock-submit").disabled = false;
  }
});

