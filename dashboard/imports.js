// Activities from a spreadsheet (issue 32): the template to fill in, a
// file checked first (nothing is saved) or imported (the good rows are
// saved, the others are said with their row and column as the sheet shows
// them), and the progress of a long file. The file goes to the service as
// it is (POST /api/v1/imports); the page asks how far it has got
// (GET /api/v1/imports/{id}) until it is done. Every request goes through
// api.js.
import { download, request } from "./api.js";
import { fmt, say, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);
// ctx: { show(screenId) }; last: the last answer shown (said again in the
// other language).
const imp = { ctx: null, gen: 0, last: null, busy: false };
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
// What the page says of each row's answer, in the order it lists them.
const STATUSES = ["created", "updated", "unchanged", "invalid", "conflict", "locked"];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fileError(text) {
  const e = $("import-file-error");
  e.textContent = text || "";
  e.hidden = !text;
  if (text) $("import-file").setAttribute("aria-invalid", "true"); else $("import-file").removeAttribute("aria-invalid");
}

function progress(done, total) {
  $("import-progress").hidden = false;
  $("import-bar").max = Math.max(1, total);
  $("import-bar").value = done;
  $("import-progress-text").textContent = t("importProgress", { done: fmt(done), total: fmt(total) });
}

// The file's type as the service takes it (a workbook or CSV), by its name
// when the browser does not say.
function typeOf(file) {
  if (/\.csv$/i.test(file.name)) return "text/csv";
  if (/\.xlsx$/i.test(file.name)) return XLSX;
  return file.type || "application/octet-stream";
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function send(dryRun) {
  if (imp.busy) return;
  const file = $("import-file").files[0];
  fileError(null);
  if (!file) { fileError(t("importNeedFile")); $("import-file").focus(); return; }
  if (!/\.(xlsx|csv)$/i.test(file.name)) { fileError(t("errFileType")); $("import-file").focus(); return; }
  const gen = ++imp.gen;
  imp.busy = true;
  for (const b of ["import-check", "import-run"]) $(b).disabled = true;
  $("import-result").replaceChildren();
  imp.last = null;
  say($("import-status"), dryRun ? "importChecking" : "importRunning", { name: file.name });
  try {
    let answer = await request("/api/v1/imports?dry_run=" + dryRun, { method: "POST", file, contentType: typeOf(file) });
    progress(answer.rows_done, answer.rows_total);
    while (answer.status === "running") {
      await sleep(400);
      if (gen !== imp.gen) return;
      answer = await request("/api/v1/imports/" + encodeURIComponent(answer.id));
      progress(answer.rows_done, answer.rows_total);
    }
    if (gen !== imp.gen) return;
    imp.last = { answer, name: file.name };
    render();
  } catch (e) {
    if (gen !== imp.gen || e.handled) return;
    $("import-progress").hidden = true;
    say($("import-status"), null);
    // A file the service cannot read says why at the file (its words are Vietnamese).
    const own = (e.fields || []).find((f) => f.field === "file");
    fileError(own ? t("importUnreadable", { why: own.message }) : e.message);
    $("import-file").focus();
  } finally {
    if (gen === imp.gen) {
      imp.busy = false;
      for (const b of ["import-check", "import-run"]) $(b).disabled = false;
    }
  }
}

// The answer: a sentence of counts, then every row that was not saved, with
// its row, column and what to fix.
function render() {
  const { answer, name } = imp.last;
  const box = $("import-result");
  box.replaceChildren();
  if (answer.status === "failed") {
    say($("import-status"), "importFailed", { name });
    return;
  }
  const n = (s) => answer.summary[s] || 0;
  const parts = STATUSES.filter((s) => n(s)).map((s) => t((answer.dry_run ? "importWould_" : "importDid_") + s, { n: fmt(n(s)) }));
  const bad = n("invalid") + n("conflict") + n("locked");
  say($("import-status"), answer.dry_run ? "importChecked" : "importDone",
    { name, rows: fmt(answer.items.length), parts: parts.join("; ") });
  box.append(el("p", bad ? "notice warn" : "notice", bad
    ? t(answer.dry_run ? "importFixFirst" : "importFixAgain", { n: fmt(bad) })
    : t(answer.dry_run ? "importAllGood" : "importAllSaved")));
  const rows = answer.items.filter((i) => i.status === "invalid" || i.status === "conflict" || i.status === "locked");
  if (!rows.length) return;
  const table = el("table", "import-problems");
  table.append(el("caption", null, t("importProblemsCaption")));
  const head = table.createTHead().insertRow();
  for (const k of ["importColSheet", "importColRow", "importColId", "importColColumn", "importColProblem"]) {
    const th = el("th", null, t(k));
    th.scope = "col";
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const item of rows) {
    const problems = item.problems.length ? item.problems : [{ column: "", message: t("importStatus_" + item.status) }];
    for (const p of problems) {
      const tr = body.insertRow();
      tr.dataset.row = item.row;
      const cells = [item.sheet, fmt(item.row), item.external_id || "", p.column, p.message];
      const labels = ["importColSheet", "importColRow", "importColId", "importColColumn", "importColProblem"];
      cells.forEach((c, i) => {
        const td = el("td", i === 1 ? "n" : null, c);
        td.dataset.label = t(labels[i]);
        tr.appendChild(td);
      });
    }
  }
  box.appendChild(table);
}

/** Shows the import screen. */
export function showImports(ctx) {
  if (ctx) imp.ctx = ctx;
  imp.ctx.show("import-screen");
}

/** Says the last answer again in the page's language. */
export function translateImports() {
  if (imp.last) render();
}

/** Signed out: nothing stays. */
export function closeImports() {
  imp.gen += 1;
  imp.busy = false;
  imp.last = null;
  imp.ctx = null;
  $("import-file").value = "";
  say($("import-file-name"), "importNoFile");
  fileError(null);
  $("import-progress").hidden = true;
  $("import-result").replaceChildren();
  say($("import-status"), null);
  for (const b of ["import-check", "import-run"]) $(b).disabled = false;
}

$("import-form").addEventListener("submit", (ev) => { ev.preventDefault(); send(true); });
$("import-run").addEventListener("click", () => send(false));
$("import-file").addEventListener("change", () => {
  const file = $("import-file").files[0];
  if (file) {
    const name = $("import-file-name");
    delete name.dataset.i18n;
    name.textContent = file.name;
  } else {
    say($("import-file-name"), "importNoFile");
  }
  fileError(null);
  imp.last = null;
  $("import-result").replaceChildren();
  $("import-progress").hidden = true;
  say($("import-status"), null);
});
$("import-template").addEventListener("click", async () => {
  try {
    await download("/api/v1/imports/template.xlsx", "mau-nhap-hoat-dong.xlsx", XLSX);
  } catch (e) {
    if (!e.handled) fileError(e.message);
  }
});
