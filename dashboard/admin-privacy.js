// An admin's personal-data duties (issue 34, PRIVACY.md): with the person
// present, register what they ask (to see what is held about them, or to
// be erased), read the requests with their deadlines, and take the
// processing register as a Word or PDF document for the dossier. The
// numbers typed are sent once and cleared from the page at once. Every
// request goes through api.js.
import { download, request, requestAll } from "./api.js";
import { dmy, fmt, fmtMoment as when, t } from "./i18n.js";
import { el, fieldError, statusLine, table } from "./dom.js";
import { participantOf } from "./event-form.js";

const $ = (id) => document.getElementById(id);
const prv = { ctx: null, gen: 0, requests: [] };

const status = (text, error) => statusLine("privacy-status", text, error);
const fail = (e) => status(e.message, true);

function render() {
  const box = $("privacy-list");
  if (!prv.requests.length) {
    box.replaceChildren(el("p", "note", t("privacyNone")));
    return;
  }
  box.replaceChildren(table("wide admin privacy", ["colReceived", "colKind", "colStatus", "colAckBy", "colDueBy", "colFound"],
    prv.requests.map((r) => [when(r.received_at), t(r.kind === "erasure" ? "privacyErase" : "privacyAccess"),
      t(r.status === "open" ? "privacyOpen" : "privacyDone"), dmy(r.acknowledge_by), dmy(r.due_date),
      r.status === "done" ? fmt(r.events_found) : ""]), [5]));
}

async function load() {
  const gen = ++prv.gen;
  const list = await requestAll("/api/v1/privacy/requests");
  if (gen !== prv.gen) return;
  prv.requests = list;
  render();
}

/** Opens the screen. */
export async function showPrivacy(ctx) {
  if (ctx) prv.ctx = ctx;
  prv.ctx.show("privacy-screen");
  try { await load(); } catch (e) { if (!e.handled) fail(e); }
}

/** Says the screen again in the page's language. */
export function translatePrivacy() {
  if (!prv.ctx || $("privacy-screen").hidden) return;
  render();
}

/** Signed out: nothing stays. */
export function closePrivacy() {
  prv.gen += 1;
  Object.assign(prv, { ctx: null, requests: [] });
  $("privacy-list").replaceChildren();
  $("privacy-answer").replaceChildren();
  $("prq-ids").value = "";
  status("");
}

// What an answer says: the deadlines, and what was found or removed.
function answer(a) {
  const lines = [t(a.kind === "erasure" ? "privacyErased" : "privacyFound",
    { n: fmt(a.events_found), removed: fmt(a.removed) }),
  t("privacyDeadlines", { ack: dmy(a.acknowledge_by), due: dmy(a.due_date) })];
  const box = $("privacy-answer");
  box.replaceChildren(...lines.map((l) => el("p", "notice", l)));
  if (a.events && a.events.length) {
    box.appendChild(table("wide admin held", ["colAgency", "colKind", "colDates", "colPlace"],
      a.events.map((e) => [prv.ctx.names[e.agency] || e.agency, t("kinds")[e.kind] || e.kind,
        e.start_date === e.end_date ? dmy(e.start_date) : `${dmy(e.start_date)} – ${dmy(e.end_date)}`, e.place.name])));
  }
}

$("privacy-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  fieldError("prq-ids", "");
  const lines = $("prq-ids").value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (!lines.length) {
    fieldError("prq-ids", t("privacyIdsNeeded"));
    return;
  }
  const identifiers = lines.map(participantOf);
  if (identifiers.some((p) => !p)) {
    fieldError("prq-ids", t("privacyIdsBad"));
    return;
  }
  const kind = $("prq-kind").value;
  if (kind === "erasure" && !window.confirm(t("privacyConfirmErase"))) return;
  const body = { kind, identifiers };
  const note = $("prq-note").value.trim();
  if (note) body.note = note;
  const button = $("prq-submit");
  button.disabled = true;
  try {
    const a = await request("/api/v1/privacy/requests", { method: "POST", body });
    $("prq-ids").value = "";
    $("prq-note").value = "";
    answer(a);
    status(t("privacySaved"));
    await load();
  } catch (e) {
    if (e.handled) return;
    if (e.fields && e.fields.some((f) => f.field.startsWith("identifier"))) fieldError("prq-ids", t("privacyIdsBad"));
    else if (e.fields && e.fields.some((f) => f.field === "note")) fieldError("prq-note", e.fields.find((f) => f.field === "note").message);
    else fail(e);
  } finally {
    button.disabled = false;
  }
});

for (const [id, format, type] of [["privacy-docx", "docx",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document"], ["privacy-pdf", "pdf", "application/pdf"]]) {
  $(id).addEventListener("click", async () => {
    try {
      await download(`/api/v1/privacy/register?format=${format}`, `so-dang-ky-xu-ly-du-lieu-ca-nhan.${format}`, type);
    } catch (e) { if (!e.handled) fail(e); }
  });
}
