// The one way the page talks to the service. A page that uses an access
// token sends it as a bearer token; a signed-in person's page relies on the
// session cookie (HttpOnly: the page never sees it) and adds the CSRF token
// to every request that may change something. Problems (problem+json) come
// back as a `Problem` that says what went wrong in the page's language,
// chosen by the problem's type and status; the service's English detail
// is added only when the page is in English. A 401 while signed in ends
// the page's session (the `expired` hook), a 403 "change your password first" asks for it
// (`passwordRequired`), a 403 "turn on two-step verification first" opens
// that screen (`mfaRequired`).
import { getLang, periodWords, t } from "./i18n.js";

const TYPE_PREFIX = "urn:campaign-tracker:problem:";

const auth = { mode: null, token: null, csrf: null };
const hooks = { expired: () => {}, passwordRequired: () => {}, mfaRequired: () => {}, activity: () => {} };
// The service's clock minus this browser's (from each answer's Date
// header), so that expiry times are read on the service's clock.
let clockOffset = 0;

/** Requests from now on carry this access token. */
export function useToken(token) {
  Object.assign(auth, { mode: "token", token, csrf: null });
}

/** Requests from now on rely on the session cookie and carry this CSRF token. */
export function useSession(csrf) {
  Object.assign(auth, { mode: "session", token: null, csrf });
}

/** Signed out: requests carry nothing. */
export function forget() {
  Object.assign(auth, { mode: null, token: null, csrf: null });
}

/** "token", "session" or null (signed out). */
export const authMode = () => auth.mode;

/** Sets a hook: `expired(problem)`, `passwordRequired()`, `mfaRequired()`,
 * `activity()` (an answer while signed in by session: the idle timeout
 * starts again). */
export function on(name, fn) {
  hooks[name] = fn;
}

/** The service's current time, in milliseconds since the epoch. */
export const serverNow = () => Date.now() + clockOffset;

/** A failed request: `key` and `args` name its message in the catalog. */
export class Problem extends Error {
  constructor(key, args, status, type, fields, retryAfter, lockedPeriod) {
    super(t(key, args));
    this.key = key;
    this.args = args;
    this.status = status;
    this.type = type;
    this.fields = fields || [];
    this.retryAfter = retryAfter;
    // The locked period a write would change (`period-locked` only).
    this.lockedPeriod = lockedPeriod || null;
    // True when the page already acted on it (back to the sign-in screen,
    // the password form, the two-step verification screen): callers show
    // nothing more.
    this.handled = false;
  }
}

/** Retry-After in seconds (it may be a number or an HTTP date), or null. */
function retryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - serverNow()) / 1000));
}

// The catalog key of a problem: by its type first, else by its status.
const BY_TYPE = {
  "sign-in-failed": "errSignInFailed",
  "totp-required": "errTotpRequired",
  "account-disabled": "errAccountDisabled",
  "password-change-required": "errPasswordChangeRequired",
  "mfa-required": "errMfaRequired",
  csrf: "errCsrf",
  "period-locked": "errPeriodLocked",
  "precondition-failed": "errChangedMeanwhile",
  conflict: "errConflict",
  forbidden: "errForbidden",
  "not-found": "errNotFound",
  validation: "errInvalid",
  "bad-request": "errInvalid",
  "uri-too-long": "errInvalid",
  "quota-exceeded": "errQuota",
  "payload-too-large": "errTooLarge",
  "unsupported-media-type": "errFileType",
  unavailable: "errBusy",
  internal: "errServer",
};

function keyOf(status, type, mode, wait) {
  if (type === "rate-limited" || (status === 429 && type !== "quota-exceeded")) {
    return wait ? "errRateLimited" : "errRateLimitedNoWait";
  }
  if (status === 401 && !BY_TYPE[type]) return mode === "token" ? "errTokenRejected" : "errSessionExpired";
  if (BY_TYPE[type]) return BY_TYPE[type];
  if (status === 403) return "errForbidden";
  if (status === 404) return "errNotFound";
  if (status === 400 || status === 422) return "errInvalid";
  if (status === 503) return "errBusy";
  if (status >= 500) return "errServer";
  return "errUnknown";
}

async function problemOf(resp, mode) {
  let body = {};
  if (/json/.test(resp.headers.get("Content-Type") || "")) {
    try { body = await resp.json(); } catch (_) { /* an empty or broken body: the status says enough */ }
  }
  const type = typeof body.type === "string" && body.type.startsWith(TYPE_PREFIX) ? body.type.slice(TYPE_PREFIX.length) : "";
  const wait = retryAfter(resp.headers.get("Retry-After"));
  const key = keyOf(resp.status, type, mode, wait);
  const locked = typeof body.locked_period === "string" ? body.locked_period : null;
  const problem = new Problem(key, { n: wait, status: resp.status, period: locked ? periodWords(locked) : "" },
    resp.status, type, body.errors, wait, locked);
  // The service's own words are English: said only to those who read English.
  if (getLang() === "en" && typeof body.detail === "string" && body.detail && key !== "errSignInFailed") {
    problem.message += ` (${body.detail})`;
  }
  // Signed in, and the service no longer knows us: the session (or token)
  // is over. A failed sign-in or a wrong current password is not that.
  if (mode && resp.status === 401 && type !== "sign-in-failed" && type !== "totp-required") {
    problem.handled = true;
    if (auth.mode === mode) hooks.expired(problem);
  } else if (mode === "session" && type === "password-change-required") {
    problem.handled = true;
    hooks.passwordRequired();
  } else if (mode === "session" && type === "mfa-required") {
    problem.handled = true;
    hooks.mfaRequired();
  }
  return problem;
}

/**
 * Asks the service. `method` (GET), `body` (sent as JSON, as
 * `contentType`: application/json by default), or `file` (a File or
 * Blob sent as it is, as `contentType`: an upload), `accept`
 * (application/json), `ifMatch` (a version or revision: sent as
 * `If-Match: "<n>"`): JSON answers are parsed, others come back as text,
 * 204 as null. Throws a `Problem`.
 */
export async function request(path, { method = "GET", body, file, accept = "application/json", contentType = "application/json",
  ifMatch } = {}) {
  const mode = auth.mode;
  const headers = { Accept: accept };
  if (ifMatch !== undefined && ifMatch !== null) headers["If-Match"] = `"${ifMatch}"`;
  if (mode === "token") headers.Authorization = "Bearer " + auth.token;
  if (mode === "session" && method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = auth.csrf;
  if (body !== undefined || file !== undefined) headers["Content-Type"] = contentType;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (_) {
    throw new Problem("errUnreachable", {}, 0, "network");
  }
  const date = Date.parse(resp.headers.get("Date") || "");
  if (!Number.isNaN(date)) clockOffset = date - Date.now();
  if (!resp.ok) throw await problemOf(resp, mode);
  if (mode === "session" && auth.mode === "session") hooks.activity();
  if (resp.status === 204 || method === "HEAD") return null;
  return /json/.test(resp.headers.get("Content-Type") || "") ? resp.json() : resp.text();
}

/** The items of a paged list (`items`, `next_cursor`): every page of
 * `pageSize` (500), or until `max` items are read. */
export async function requestAll(path, { pageSize = 500, max = Infinity } = {}) {
  const items = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (cursor) q.set("cursor", cursor);
    const page = await request(`${path}${path.includes("?") ? "&" : "?"}${q}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/** The file name the service gives in Content-Disposition, or null. */
function fileName(disposition) {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "") || /filename="?([^";]+)"?/i.exec(disposition || "");
  if (!m) return null;
  try { return decodeURIComponent(m[1]); } catch (_) { return m[1]; }
}

/**
 * Asks the service for a file (a workbook, a Word or PDF report) and saves
 * it under the name the service gives (Content-Disposition), else `name`.
 * Throws a `Problem` as `request` does.
 */
export async function download(path, name, type) {
  const mode = auth.mode;
  const headers = { Accept: type };
  if (mode === "token") headers.Authorization = "Bearer " + auth.token;
  let resp;
  try {
    resp = await fetch(path, { headers, credentials: "same-origin", cache: "no-store" });
  } catch (_) {
    throw new Problem("errUnreachable", {}, 0, "network");
  }
  if (!resp.ok) throw await problemOf(resp, mode);
  if (mode === "session" && auth.mode === "session") hooks.activity();
  const blob = await resp.blob();
  save(blob, fileName(resp.headers.get("Content-Disposition")) || name);
}

/** Saves `blob` as a file named `name` (the browser's download). */
export function save(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
