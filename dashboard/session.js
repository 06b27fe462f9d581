// Signing in and staying signed in: the sign-in screen (username and
// password, a 6-digit code when the account asks for one, the one-stop
// sign-in when the service offers it, an access token as a second choice),
// the password change an administrator's reset asks for, two-step
// verification (totp.js: opened from the header, or before anything else
// when the deployment requires it of admins), who is signed in (in the
// header), signing out, and the warning before the session ends.
//
// The session itself is a cookie the page never reads; what the page keeps
// is the CSRF token and the two ends of the session (idle and absolute).
// Access tokens stay in this tab's sessionStorage, as before.
import { authMode, forget, on, request, serverNow, useSession, useToken } from "./api.js";
import { say, t } from "./i18n.js";
import { closeEnrolment, openEnrolment } from "./totp.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "ct-token";
const WARN_BEFORE_MS = 2 * 60 * 1000;

// `enter(who)` opens the dashboard, `leave()` empties it, `agencyName(code)`
// names an agency in the page's language (undefined when unknown yet).
const app = { enter: () => {}, leave: () => {}, agencyName: () => undefined };
// { name (null: a token), role, agency, agencyName, isPublic, session (a
// person signed in, not a token), totpEnabled }
let who = null;
// The screen shown instead of the dashboard: "signin", "password-change",
// "totp-enrol", or null (the dashboard).
let screen = null;

// ---- the header: who is signed in ----

/** Shows who is signed in ("Nguyễn Thị Lan · Hội Liên hiệp Phụ nữ tỉnh –
 * nhập liệu") in the page's language; nothing when signed out. */
export function renderWho() {
  $("who").hidden = !who;
  $("sign-out").hidden = !who;
  // Two-step verification is offered to a signed-in person who has not
  // turned it on, from the dashboard (once on, nothing is said).
  $("totp-open").hidden = !(who && who.session && !who.totpEnabled && screen === null);
  if (!who) return;
  const roles = t("roles");
  const role = who.isPublic ? roles.public : roles[who.role] || who.role;
  const agency = who.agency ? app.agencyName(who.agency) || who.agencyName || who.agency : null;
  $("who-name").textContent = who.name ?? t("whoToken");
  $("who-role").textContent = agency ? `${agency} – ${role}` : role;
}

// ---- screens ----

function showOnly(id) {
  screen = id;
  $("signin").hidden = id !== "signin";
  $("password-change").hidden = id !== "password-change";
  // Leaving the two-step screen forgets its secret and recovery codes.
  if (id !== "totp-enrol") closeEnrolment();
  renderWho();
}

/** The sign-in screen. `notice`: a catalog key said above the form (the
 * session ended, signed out); `tokenPanel`: open the access-token choice. */
function showSignIn({ notice, error, tokenPanel } = {}) {
  who = null;
  renderWho();
  stopWarning();
  showOnly("signin");
  say($("signin-notice"), notice);
  clearSignInErrors();
  say($("signin-error"), error);
  resetTotp();
  toggleTokenPanel(!!tokenPanel);
  if (tokenPanel) $("token").focus(); else ($("username").value ? $("password") : $("username")).focus();
  probeSso();
}

// The one-stop sign-in link, shown only when the service says it is on.
async function probeSso() {
  $("sso").hidden = true;
  try {
    const sso = await request("/api/v1/session/sso");
    if (!sso || sso.enabled !== true || typeof sso.url !== "string") return;
    const url = new URL(sso.url, location.href);
    if (url.protocol !== "https:" && url.protocol !== "http:") return;
    $("sso-link").href = url.href;
    $("sso").hidden = $("signin").hidden;
  } catch (_) {
    // 404 (no one-stop sign-in configured) or unreachable: the link stays hidden.
  }
}

function toggleTokenPanel(open) {
  $("token-panel").hidden = !open;
  $("token-toggle").setAttribute("aria-expanded", String(open));
}

function clearSignInErrors() {
  for (const id of ["username-error", "password-error", "signin-error", "token-error"]) say($(id), null);
  for (const id of ["username", "password", "token"]) $(id).removeAttribute("aria-invalid");
}

function resetTotp() {
  $("totp-row").hidden = true;
  $("totp").value = "";
  say($("totp-error"), null);
}

// ---- signing in with a password ----

let waitTimer = null;
let waiting = false;

// Too many tries: the button waits, the message counts down.
function waitBeforeRetry(seconds) {
  clearInterval(waitTimer);
  const button = $("signin-submit");
  let left = seconds;
  waiting = true;
  button.disabled = true;
  say($("signin-error"), "errRateLimited", { n: left });
  waitTimer = setInterval(() => {
    left -= 1;
    if (left > 0) {
      say($("signin-error"), "errRateLimited", { n: left });
      return;
    }
    clearInterval(waitTimer);
    waiting = false;
    button.disabled = false;
    say($("signin-error"), null);
  }, 1000);
}

async function signIn(ev) {
  ev.preventDefault();
  const username = $("username").value.trim();
  const password = $("password").value;
  const totpAsked = !$("totp-row").hidden;
  const totp = $("totp").value.trim();
  say($("signin-notice"), null);
  clearSignInErrors();
  say($("totp-error"), null);
  if (!username) return fieldError("username", "needUsername");
  if (!password) return fieldError("password", "needPassword");
  if (totpAsked && !totp) return fieldError("totp", "needTotp");
  const button = $("signin-submit");
  button.disabled = true;
  say(button, "signingIn");
  try {
    const session = await request("/api/v1/session", {
      method: "POST",
      body: totpAsked ? { username, password, totp } : { username, password },
    });
    $("password").value = "";
    resetTotp();
    say($("signin-error"), null);
    await enterSession(session);
  } catch (e) {
    signInFailed(e, totpAsked);
  } finally {
    say(button, "signIn");
    button.disabled = waiting;
  }
}

// A field's problem, said beside it.
function fieldError(id, key) {
  say($(id + "-error"), key);
  $(id).setAttribute("aria-invalid", "true");
  $(id).focus();
}

function signInFailed(e, totpAsked) {
  if (e.type === "totp-required") {
    say($("signin-error"), null);
    $("totp-row").hidden = false;
    say($("totp-error"), totpAsked ? "errTotpWrong" : "errTotpRequired");
    $("totp").value = "";
    $("totp").focus();
    return;
  }
  if (e.status === 429 && e.retryAfter) {
    waitBeforeRetry(e.retryAfter);
    return;
  }
  say($("signin-error"), e.type === "sign-in-failed" && totpAsked ? "errSignInFailedTotp" : e.key, e.args);
  if (e.type === "sign-in-failed") {
    // Nothing is lost: the password stays, selected, to be typed again.
    $("password").focus();
    $("password").select();
  }
}

// ---- signing in with an access token (the display screen) ----

async function useTokenForm(ev) {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (!token) return fieldError("token", "needToken");
  await enterToken(token);
}

async function enterToken(token) {
  useToken(token);
  try {
    const me = await request("/api/v1/whoami");
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    say($("token-error"), null);
    who = { name: null, role: me.role, agency: me.agency, agencyName: me.agency_name, isPublic: !!me.public,
      session: false, totpEnabled: false };
    showOnly(null);
    renderWho();
    app.enter(who);
  } catch (e) {
    if (e.handled) return; // a refused token: expired() said so
    sessionStorage.removeItem(TOKEN_KEY);
    forget();
    showSignIn({ tokenPanel: true });
    say($("token-error"), e.key, e.args);
  }
}

// ---- a session ----

async function enterSession(session) {
  useSession(session.csrf_token);
  const a = session.account;
  who = { name: a.display_name || a.username, role: a.role, agency: a.agency, agencyName: a.agency_name, isPublic: false,
    session: true, totpEnabled: !!a.totp_enabled };
  watch(session);
  renderWho();
  if (session.must_change_password) {
    askNewPassword();
    return;
  }
  if (session.must_enrol_totp) {
    askTotp(true);
    return;
  }
  showOnly(null);
  app.enter(who);
}

// ---- two-step verification (the screen is totp.js) ----

/** Opens the two-step screen instead of the dashboard. `required`: the
 * deployment requires it (after sign-in, a reload, or a 403 saying so). */
function askTotp(required) {
  if (!who || !who.session) return;
  if (screen !== "totp-enrol") {
    app.leave();
    showOnly("totp-enrol");
  }
  openEnrolment({
    required,
    // The recovery codes are kept: the session again (the account now has
    // the second factor), then the dashboard.
    done: async () => enterSession(await request("/api/v1/session")),
    later: () => {
      showOnly(null);
      app.enter(who);
    },
  });
}

/** Signs out: the service forgets the session (or the tab the token), the
 * page empties and shows the sign-in screen. */
async function signOut() {
  if (sessionStorage.getItem(TOKEN_KEY)) {
    sessionStorage.removeItem(TOKEN_KEY);
  } else {
    try {
      await request("/api/v1/session", { method: "DELETE" });
    } catch (e) {
      // Already over (401, handled): the sign-in screen is shown. Anything
      // else (unreachable): still signed in, say so and stay.
      if (!e.handled) {
        say($("status"), e.key, e.args);
        $("status").className = "error";
      }
      return;
    }
  }
  forget();
  app.leave();
  $("username").value = "";
  $("password").value = "";
  showSignIn({ notice: "signedOut" });
}

// Over (a 401 while signed in, or the end reached): back to the sign-in
// screen with the reason, the username kept for the same person.
function expired() {
  const wasToken = authMode() === "token";
  sessionStorage.removeItem(TOKEN_KEY);
  forget();
  app.leave();
  if (wasToken) {
    showSignIn({ tokenPanel: true });
    say($("token-error"), "errTokenRejected");
  } else {
    showSignIn({ notice: "errSessionExpired" });
  }
}

// ---- the password change an administrator's reset asks for ----

const PASSWORD_FIELDS = { current_password: "pw-current", new_password: "pw-new" };

function askNewPassword() {
  app.leave();
  showOnly("password-change");
  clearPasswordErrors();
  $("pw-current").focus();
}

function clearPasswordErrors() {
  for (const id of ["pw-current", "pw-new", "pw-confirm"]) {
    say($(id + "-error"), null);
    $(id).removeAttribute("aria-invalid");
  }
  say($("pw-error"), null);
}

function passwordFieldError(id, key) {
  say($(id + "-error"), key);
  $(id).setAttribute("aria-invalid", "true");
}

// The service's reason for refusing a new password, in the page's words.
// A field error has no code, only an English message (password::weakness
// in the service): read its words, and a `code` first should one be added.
const PASSWORD_REASONS = [
  [/too_long|at most/, "passwordTooLong"],
  [/too_short|at least/, "passwordTooShort"],
  [/too_common|common/, "passwordTooCommon"],
  [/too_simple|different characters/, "passwordTooSimple"],
  [/contains_username|username/, "passwordHasUsername"],
  [/same_as_current|differ from the current/, "passwordSameAsOld"],
];

function passwordReason(error) {
  const text = `${error.code || ""} ${error.message || ""}`.toLowerCase();
  const found = PASSWORD_REASONS.find(([re]) => re.test(text));
  return found ? found[1] : "passwordInvalid";
}

async function changePassword(ev) {
  ev.preventDefault();
  clearPasswordErrors();
  const current = $("pw-current").value;
  const next = $("pw-new").value;
  if (!current) return passwordFieldError("pw-current", "needCurrentPassword"), $("pw-current").focus();
  if (!next) return passwordFieldError("pw-new", "needNewPassword"), $("pw-new").focus();
  if ($("pw-confirm").value !== next) return passwordFieldError("pw-confirm", "passwordMismatch"), $("pw-confirm").focus();
  const button = $("pw-submit");
  button.disabled = true;
  try {
    const session = await request("/api/v1/session/password", {
      method: "POST",
      body: { current_password: current, new_password: next },
    });
    for (const id of ["pw-current", "pw-new", "pw-confirm"]) $(id).value = "";
    await enterSession(session);
  } catch (e) {
    if (e.handled) return;
    if (e.type === "sign-in-failed") {
      passwordFieldError("pw-current", "currentPasswordWrong");
      $("pw-current").focus();
    } else if (e.status === 422 && e.fields.length) {
      let first = null;
      for (const f of e.fields) {
        const id = PASSWORD_FIELDS[f.field] || "pw-new";
        passwordFieldError(id, id === "pw-new" ? passwordReason(f) : "passwordInvalid");
        first = first || id;
      }
      $(first).focus();
    } else {
      say($("pw-error"), e.key, e.args);
    }
  } finally {
    button.disabled = false;
  }
}

// ---- the warning before the session ends ----
// The idle end moves with every answer (the service renews it on every
// request); the absolute end does not. Times are kept on this browser's
// clock, corrected by the service's Date header.

const ends = { idleMs: 0, idle: 0, absolute: 0 };
let warnTimer = null;

function watch(session) {
  const skew = serverNow() - Date.now();
  const now = Date.now();
  ends.idleMs = Date.parse(session.idle_expires_at) - (now + skew);
  ends.idle = now + ends.idleMs;
  ends.absolute = Date.parse(session.expires_at) - skew;
  schedule();
}

// An answer came while signed in: the idle end starts again.
function touched() {
  if (!ends.idleMs) return;
  ends.idle = Date.now() + ends.idleMs;
  schedule();
}

function stopWarning() {
  clearTimeout(warnTimer);
  warnTimer = null;
  ends.idleMs = 0;
  $("session-warning").hidden = true;
}

function schedule() {
  clearTimeout(warnTimer);
  const end = Math.min(ends.idle, ends.absolute);
  const wait = end - WARN_BEFORE_MS - Date.now();
  if (wait > 0) {
    $("session-warning").hidden = true;
    warnTimer = setTimeout(warn, Math.min(wait, 2 ** 31 - 1));
  } else {
    warn();
  }
}

function warn() {
  const absolute = ends.absolute <= ends.idle;
  const left = Math.min(ends.idle, ends.absolute) - Date.now();
  if (left <= 0) {
    expired();
    return;
  }
  const [key, n] = left >= 60000 ? [absolute ? "sessionWarnEnd" : "sessionWarnIdle", Math.ceil(left / 60000)]
    : [absolute ? "sessionWarnEndSeconds" : "sessionWarnIdleSeconds", Math.ceil(left / 1000)];
  say($("session-warning-text"), key, { n });
  // Renewing helps against the idle end only.
  $("session-keep").hidden = absolute;
  $("session-warning").hidden = false;
  warnTimer = setTimeout(warn, 1000);
}

async function keepWorking() {
  try {
    watch(await request("/api/v1/session"));
  } catch (e) {
    if (!e.handled) say($("session-warning-text"), e.key, e.args);
  }
}

// ---- start ----

/**
 * Wires the screens and finds out whether this tab is already signed in: a
 * token kept by this tab, else the session cookie (GET /api/v1/session, so
 * a reload needs no password), else the sign-in screen.
 */
export async function startSession(hooks) {
  Object.assign(app, hooks);
  on("expired", expired);
  on("passwordRequired", askNewPassword);
  on("mfaRequired", () => askTotp(true));
  on("activity", touched);
  $("signin-form").addEventListener("submit", signIn);
  $("token-form").addEventListener("submit", useTokenForm);
  $("token-toggle").addEventListener("click", () => {
    const open = $("token-panel").hidden;
    toggleTokenPanel(open);
    if (open) $("token").focus();
  });
  $("pw-form").addEventListener("submit", changePassword);
  $("sign-out").addEventListener("click", signOut);
  $("totp-open").addEventListener("click", () => askTotp(false));
  $("session-keep").addEventListener("click", keepWorking);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && ends.idleMs) schedule();
  });

  // Back from the one-stop sign-in with a refusal: say why, in plain words,
  // and take the code out of the address bar.
  const params = new URLSearchParams(location.search);
  const ssoError = params.get("sso_error");
  if (ssoError !== null) {
    params.delete("sso_error");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
    const known = ["state", "provider", "no_account", "disabled"];
    showSignIn({ error: "errSso_" + (known.includes(ssoError) ? ssoError : "provider") });
    return;
  }

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    await enterToken(saved);
    return;
  }
  try {
    await enterSession(await request("/api/v1/session"));
  } catch (e) {
    // 401: not signed in (404: a service without sessions). Unreachable:
    // the form is shown with the reason, ready for when the network is back.
    showSignIn({ error: e.status === 401 || e.status === 404 ? null : e.key });
  }
}
