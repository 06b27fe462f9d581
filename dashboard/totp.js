// The two-step verification screen ("Xác thực hai bước"): the service makes
// a secret (POST /api/v1/session/totp), shown as a QR code for the
// authenticator app and as text in groups of four for typing by hand; the
// first 6-digit code confirms it (POST /api/v1/session/totp/confirm) and
// the service answers ten recovery codes, shown once, to print or write
// down. session.js opens the screen (from the header, or before anything
// else when the deployment requires it of admins) and says what comes
// after; this module only talks to the service through api.js.
//
// The secret and the recovery codes stay in the page no longer than the
// screen is shown: closing it empties them.
import { request } from "./api.js";
import { say } from "./i18n.js";

const $ = (id) => document.getElementById(id);

// `done()`: the codes are kept, go on (a promise; its failure is said on
// the screen); `later()`: back without enrolling (null when required).
const current = { open: false, gen: 0, done: null, later: null };

function clearErrors() {
  say($("totp-code-error"), null);
  say($("totp-form-error"), null);
  say($("totp-done-error"), null);
  $("totp-code").removeAttribute("aria-invalid");
}

// The secret as people type it, in groups of four ("JBSW Y3DP EHPK 3PXP"),
// four groups a line: each group its own element, a space between them
// (what a copy gives).
function showSecret(secret) {
  const groups = secret.replace(/=+$/, "").match(/.{1,4}/g) || [];
  const el = $("totp-secret");
  el.replaceChildren();
  groups.forEach((g, i) => {
    if (i) el.append(" ");
    const span = document.createElement("span");
    span.textContent = g;
    el.append(span);
  });
}

// The service draws 8 pixels a module: shown at half that, every module is
// a whole number of pixels (crisp on any screen; CSS caps it to the width).
function sizeQr() {
  const img = $("totp-qr");
  if (!img.naturalWidth) return;
  img.width = Math.round(img.naturalWidth / 2);
  img.height = Math.round(img.naturalHeight / 2);
}

function setRequired(required) {
  const enrolled = !$("totp-done").hidden;
  $("totp-required").hidden = !required || enrolled;
  $("totp-later").hidden = required || enrolled || !current.later;
}

/**
 * Shows the screen and starts an enrolment. `required`: the deployment
 * requires it (the line saying so, no way back but signing out). Called
 * again while the screen is open, it only updates `required`: the secret
 * already scanned stays the one to confirm.
 */
export async function openEnrolment({ required, done, later }) {
  current.done = done;
  current.later = required ? null : later;
  if (current.open) {
    setRequired(required);
    return;
  }
  current.open = true;
  const gen = ++current.gen;
  $("totp-enrol").hidden = false;
  $("totp-setup").hidden = false;
  $("totp-done").hidden = true;
  $("totp-ready").hidden = true;
  setRequired(required);
  clearErrors();
  say($("totp-status"), "totpPreparing");
  $("totp-title").focus();
  try {
    const enrolment = await request("/api/v1/session/totp", { method: "POST" });
    if (gen !== current.gen) return;
    say($("totp-status"), null);
    $("totp-qr").src = "data:image/png;base64," + enrolment.qr_png_base64;
    showSecret(enrolment.secret);
    $("totp-ready").hidden = false;
    $("totp-code").value = "";
  } catch (e) {
    if (gen !== current.gen || e.handled) return;
    say($("totp-status"), null);
    if (e.status === 409) {
      // Enrolled meanwhile (another tab): nothing to do here.
      try {
        await current.done();
      } catch (e2) {
        if (!e2.handled) say($("totp-form-error"), e2.key, e2.args);
      }
      return;
    }
    say($("totp-form-error"), e.key, e.args);
  }
}

/** Hides the screen and forgets its secret and codes. */
export function closeEnrolment() {
  current.gen += 1;
  current.open = false;
  $("totp-enrol").hidden = true;
  $("totp-qr").removeAttribute("src");
  $("totp-secret").textContent = "";
  $("totp-code").value = "";
  $("totp-codes").replaceChildren();
  say($("totp-status"), null);
  clearErrors();
}

function codeError(key) {
  say($("totp-code-error"), key);
  $("totp-code").setAttribute("aria-invalid", "true");
  $("totp-code").focus();
  $("totp-code").select();
}

async function confirm(ev) {
  ev.preventDefault();
  clearErrors();
  // Spaces are allowed ("123 456", as some apps show it).
  const code = $("totp-code").value.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(code)) return codeError("needTotpCode");
  const gen = current.gen;
  const button = $("totp-submit");
  button.disabled = true;
  say(button, "totpConfirming");
  try {
    const answer = await request("/api/v1/session/totp/confirm", { method: "POST", body: { code } });
    if (gen !== current.gen) return;
    showCodes(answer.recovery_codes);
  } catch (e) {
    if (gen !== current.gen || e.handled) return;
    if (e.status === 422 && e.fields.some((f) => f.field === "code")) codeError("errTotpCodeWrong");
    else say($("totp-form-error"), e.key, e.args);
  } finally {
    say(button, "totpConfirm");
    button.disabled = false;
  }
}

// Enrolled: the secret is not needed any more, the codes are shown once.
function showCodes(codes) {
  $("totp-setup").hidden = true;
  $("totp-qr").removeAttribute("src");
  $("totp-secret").textContent = "";
  $("totp-code").value = "";
  $("totp-required").hidden = true;
  $("totp-later").hidden = true;
  const list = $("totp-codes");
  list.replaceChildren(...codes.map((c) => {
    const li = document.createElement("li");
    li.textContent = c;
    return li;
  }));
  $("totp-done").hidden = false;
  $("recovery-title").focus();
}

async function finish() {
  const button = $("totp-continue");
  button.disabled = true;
  say($("totp-done-error"), null);
  try {
    await current.done();
  } catch (e) {
    if (!e.handled) say($("totp-done-error"), e.key, e.args);
  } finally {
    button.disabled = false;
  }
}

$("totp-qr").addEventListener("load", sizeQr);
$("totp-form").addEventListener("submit", confirm);
$("totp-continue").addEventListener("click", finish);
$("totp-print").addEventListener("click", () => window.print());
$("totp-later").addEventListener("click", () => current.later && current.later());
