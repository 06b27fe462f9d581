// Small helpers the screens share to build their parts: an element with
// its class and text, a button that says its key and stays disabled while
// its action runs, a status line, and a table with its column headers
// (every cell labelled for the stacked phone layout).
import { t } from "./i18n.js";

/** An element `tag` with class `cls` and text `text` (both optional). */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** A button saying `key`; while `onClick` runs, the buttons beside it are
 * disabled; a failure goes to `fail(problem)` (unless the page already
 * acted on it). */
export function actionButton(key, cls, onClick, fail) {
  const b = el("button", cls, t(key));
  b.type = "button";
  b.addEventListener("click", async () => {
    const buttons = b.parentElement ? [...b.parentElement.querySelectorAll("button")] : [b];
    buttons.forEach((x) => { x.disabled = true; });
    try {
      await onClick();
    } catch (e) {
      if (!e.handled) fail(e);
    } finally {
      buttons.forEach((x) => { if (x.isConnected) x.disabled = false; });
    }
  });
  return b;
}

/** Shows `text` in the status line `id` (red when `error`). */
export function statusLine(id, text, error) {
  const line = document.getElementById(id);
  line.textContent = text || "";
  line.className = error ? "error" : "";
}

/** A table with the column headers `keys` (catalog keys) and the rows
 * `rows` (arrays of text or elements); numeric columns in `numeric`. */
export function table(cls, keys, rows, numeric = []) {
  const tbl = el("table", cls);
  const head = tbl.createTHead().insertRow();
  const labels = keys.map((k) => t(k));
  labels.forEach((h, i) => {
    const th = el("th", numeric.includes(i) ? "n" : null, h);
    th.scope = "col";
    head.appendChild(th);
  });
  const body = tbl.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    r.forEach((c, i) => {
      const td = el("td", numeric.includes(i) ? "n" : null);
      if (c instanceof Node) td.appendChild(c); else td.textContent = c ?? "";
      td.dataset.label = labels[i];
      tr.appendChild(td);
    });
  }
  return tbl;
}

/** A labelled field: `<div class="field"><label>…</label>control<p error></div>`. */
export function field(id, key, control) {
  const box = el("div", "field");
  const label = el("label", null, t(key));
  label.htmlFor = id;
  control.id = id;
  const error = el("p", "field-error");
  error.id = id + "-error";
  error.hidden = true;
  error.setAttribute("role", "alert");
  control.setAttribute("aria-describedby", error.id);
  box.append(label, control, error);
  return box;
}

/** Says `text` under the field `id` (or clears it). */
export function fieldError(id, text) {
  const error = document.getElementById(id + "-error");
  const control = document.getElementById(id);
  if (!error) return;
  error.textContent = text || "";
  error.hidden = !text;
  if (text) control.setAttribute("aria-invalid", "true"); else control.removeAttribute("aria-invalid");
}
