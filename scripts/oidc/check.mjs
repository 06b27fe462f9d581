// Single sign-on end to end (issue 30), in Debian's chromium driven by
// playwright-core, through a real OpenID provider (npm oidc-provider,
// scripts/oidc/provider.mjs) on 127.0.0.1. Run by scripts/oidc.sh, which
// starts both and makes the accounts: lan (agency, lan@example.vn), minh
// (viewer, minh@example.vn, disabled); nobody@example.vn has no account.
//
//  a. GET /api/v1/session/sso says it is on, with the start URL.
//  b. The dashboard's one-stop button, the provider's login as lan and its
//     consent, back on /dashboard/ signed in: the header names her, whoami
//     is her session; the authorization request the service made is a code
//     flow with PKCE S256, state, nonce and scope "openid email".
//  c. A replayed code: the same callback URL again (the flow is used up:
//     sso_error=state), and the same code under a fresh flow of this
//     browser (the provider refuses the exchange, on the PKCE verifier
//     before it looks at reuse: sso_error=provider). A code can only be
//     replayed under a new flow, so both refusals are the ones there are.
//  d. A wrong state: the callback with its state changed is refused
//     (sso_error=state); it ends that browser's flow, so the untampered
//     callback is refused after it too, and a new flow signs in. The
//     callback taken to another browser (no ct_sso cookie of its own) is
//     refused (sso_error=state).
//  e. Another audience: the service's own authorization request with
//     client_id=other-app (same state, PKCE challenge and nonce): the
//     provider issues a code to other-app, which the service cannot use
//     (the provider says "client mismatch": sso_error=provider).
//  f. A person with no account (nobody): sso_error=no_account, and no
//     account is made.
//  g. A disabled account (minh): sso_error=disabled.
// Every refusal sends the browser to /dashboard/?sso_error=<kind>, signed
// out (whoami 401), where the page says why in Vietnamese (the dashboard's
// own words, dashboard/i18n.js). No request leaves 127.0.0.1 (the
// provider's development pages @import a web font: blocked, not counted).
// Screenshots: provider-login.png, signed-in.png, refused.png under $OUT.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { I18N } from "../../dashboard/i18n.js";

const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`check.mjs: ${name} is not set (run it with scripts/oidc.sh)`);
  return v;
};
const BASE = env("BASE_URL");
const ISSUER = env("OIDC_ISSUER");
const OUT = env("OUT");
const ADMIN = env("ADMIN");
const PROVIDER_LOG = env("PROVIDER_LOG");
const CALLBACK = BASE + "/api/v1/session/sso/callback";
const START = BASE + "/api/v1/session/sso/start";
const SSO_BUTTON = "Đăng nhập bằng tài khoản một cửa";
const LAN = { user: "lan", name: "Nguyễn Thị Lan" };
// The provider's development pages @import this; blocked like any other
// request leaving 127.0.0.1, but not counted as the service's.
const PROVIDER_FONT = "https://fonts.googleapis.com/";

let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
  if (ok) {
    console.log("oidc: ok     " + what);
  } else {
    failures++;
    console.error("oidc: FAILED " + what);
  }
  return ok;
}
const notes = [];
function note(what) {
  notes.push(what);
  console.log("oidc: note   " + what);
}

async function api(path, token) {
  const resp = await fetch(BASE + path, { headers: token ? { Authorization: "Bearer " + token } : {} });
  const text = await resp.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  return { status: resp.status, body };
}

// The provider's event lines ("oidc: grant.error campaign-tracker ...")
// written since `mark`.
const providerLines = () => readFileSync(PROVIDER_LOG, "utf8").split("\n").filter((l) => l.startsWith("oidc: "));
const logMark = () => providerLines().length;
const logSince = (mark) => providerLines().slice(mark);

// The service's reason for its newest sso refusal (audit log), for the record.
async function lastRefusalReason() {
  const r = await api("/api/v1/audit?entity=account&entity_id=unknown&limit=20", ADMIN);
  if (r.status !== 200) return `(audit: ${r.status})`;
  const e = r.body.items.find((i) => i.action === "sign_in_failed" && i.after?.method === "sso");
  return e ? e.after.reason : "(no sso refusal in the audit log)";
}

const outside = [];
async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "vi-VN" });
  await context.route((url) => url.hostname !== "127.0.0.1", (route) => {
    const u = route.request().url();
    if (!u.startsWith(PROVIDER_FONT)) outside.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  // Where the tab was sent (requests, so as seen before any page script).
  const navs = [];
  page.on("request", (r) => { if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navs.push(r.url()); });
  return { context, page, problems, navs };
}

async function whoami(page) {
  return page.evaluate(async () => {
    const r = await fetch("/api/v1/whoami", { credentials: "same-origin" });
    let body = null;
    try { body = await r.json(); } catch (_) { /* no body */ }
    return { status: r.status, body };
  });
}

const atProvider = (url) => url.startsWith(ISSUER + "/");
const onDashboard = (url) => url === BASE + "/dashboard/" || url.startsWith(BASE + "/dashboard/?");

/** At the provider's login page: signs in as `login` (any password), and
 * continues past the consent page when the provider shows one. Returns when
 * the browser has left the provider. */
async function loginAtProvider(page, login, screenshot) {
  await page.waitForURL((u) => atProvider(u.href) && u.pathname.startsWith("/interaction/"), { timeout: 15000 });
  await page.waitForSelector('input[name="login"]', { timeout: 10000 });
  if (screenshot) await page.screenshot({ path: `${OUT}/${screenshot}` });
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "bat-ky-mat-khau");
  const before = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== before, { timeout: 15000 }), page.click('button[type="submit"]')]);
  await consentIfAsked(page);
}

async function consentIfAsked(page) {
  // Either the consent page (a "Continue" button) or already away.
  await page.waitForLoadState("load");
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const url = page.url();
    if (!atProvider(url)) return;
    const button = page.locator('button[type="submit"]', { hasText: "Continue" });
    if (await button.count()) {
      await Promise.all([page.waitForURL((u) => !atProvider(u.href), { timeout: 15000 }), button.click()]);
      return;
    }
    await page.waitForTimeout(100);
  }
  throw new Error("still at the provider: " + page.url());
}

/** Does `action` and expects a refusal: the callback sends the browser to
 * /dashboard/?sso_error=`kind`, the page is signed out (whoami 401) and
 * says why in Vietnamese (the dashboard's own words for the kind). */
async function refusedAfter(x, action, kind, what, screenshot) {
  const mark = x.navs.length;
  await action();
  const landed = () => x.navs.slice(mark).filter(onDashboard).at(-1);
  for (let i = 0; i < 150 && !landed(); i++) await x.page.waitForTimeout(100);
  const url = landed() ? new URL(landed()) : null;
  check(url?.searchParams.get("sso_error") === kind,
    `${what}: sent to /dashboard/?sso_error=${kind} (sent to ${url?.href ?? "nowhere: at " + x.page.url()})`);
  await x.page.waitForLoadState("load");
  const me = await whoami(x.page);
  check(me.status === 401, `${what}: signed out (whoami ${me.status} ${JSON.stringify(me.body)})`);
  console.log(`oidc:        the service's reason: ${await lastRefusalReason()}`);
  const expected = I18N.vi["errSso_" + kind];
  const shown = await x.page.waitForSelector("#signin-error:not([hidden])", { timeout: 10000 })
    .then((e) => e.textContent(), () => null);
  if (!expected) note(`the dashboard has no words for sso_error=${kind}`);
  check(!!shown && shown.trim() === expected, `${what}: the page says "${expected}" (says ${JSON.stringify(shown)})`);
  check(!new URL(x.page.url()).searchParams.has("sso_error"), `${what}: sso_error is taken out of the address bar (${x.page.url()})`);
  if (screenshot) await x.page.screenshot({ path: `${OUT}/${screenshot}` });
}

/** Starts a flow in this browser, signs in at the provider as `login`,
 * and submits the consent ("Continue") itself, following the provider's
 * redirects by hand (with this browser's cookies) up to the callback: the
 * callback URL (code and state), not delivered. (A browser route cannot
 * hold it: the callback is reached by a redirect, which routes never see.) */
async function heldCallback(x, login) {
  await x.page.goto(START);
  await x.page.waitForURL((u) => atProvider(u.href) && u.pathname.startsWith("/interaction/"), { timeout: 15000 });
  await x.page.fill('input[name="login"]', login);
  await x.page.fill('input[name="password"]', "bat-ky-mat-khau");
  const before = x.page.url();
  await Promise.all([x.page.waitForURL((u) => u.href !== before, { timeout: 15000 }), x.page.click('button[type="submit"]')]);
  await x.page.waitForSelector('form:has(input[name="prompt"][value="consent"])', { timeout: 15000 });
  const action = await x.page.$eval('form:has(input[name="prompt"][value="consent"])', (f) => f.action);
  let resp = await x.context.request.post(action, { form: { prompt: "consent" }, maxRedirects: 0 });
  let location = resp.headers().location;
  for (let i = 0; i < 5 && location && !location.startsWith(CALLBACK); i++) {
    resp = await x.context.request.get(new URL(location, ISSUER).href, { maxRedirects: 0 });
    location = resp.headers().location;
  }
  return location?.startsWith(CALLBACK + "?") ? location : null;
}

/** Starts a flow without following it: the ct_sso cookie lands in this
 * browser, the provider's authorization URL is returned. */
async function startFlow(context) {
  const resp = await context.request.get(START, { maxRedirects: 0 });
  const location = resp.headers().location;
  check(resp.status() === 303 && !!location && location.startsWith(ISSUER + "/"),
    `GET /api/v1/session/sso/start answers 303 to the provider (${resp.status()} ${location})`);
  const cookies = await context.cookies(BASE + "/api/v1/session/sso/callback");
  check(cookies.some((c) => c.name === "ct_sso" && c.httpOnly && c.sameSite === "Lax"),
    "the start sets the ct_sso cookie (HttpOnly, SameSite=Lax) for the callback: " +
    JSON.stringify(cookies.map((c) => [c.name, c.path, c.httpOnly, c.sameSite])));
  return new URL(location);
}

async function signOut(page) {
  if (await page.isVisible("#sign-out")) {
    await page.click("#sign-out");
    await page.waitForSelector("#signin:not([hidden])", { timeout: 10000 });
  }
  const me = await whoami(page);
  check(me.status === 401, `signed out (whoami ${me.status})`);
}

/** After `action`, the browser was sent to /dashboard/ (no sso_error) and
 * is lan's session: her name in the header, whoami. */
async function signedInAfter(x, action, what) {
  const mark = x.navs.length;
  await action();
  const landed = () => x.navs.slice(mark).filter(onDashboard).at(-1);
  for (let i = 0; i < 150 && !landed(); i++) await x.page.waitForTimeout(100);
  const ok = check(landed() === BASE + "/dashboard/", `${what}: sent to /dashboard/ (sent to ${landed() ?? "nowhere: at " + x.page.url()})`);
  if (!ok) console.log(`oidc:        the service's reason: ${await lastRefusalReason()}`);
  await x.page.waitForLoadState("load");
  const named = await x.page.waitForFunction((name) => document.getElementById("who-name")?.textContent === name,
    LAN.name, { timeout: 15000 }).then(() => true, () => false);
  check(named, `${what}: the header shows "${LAN.name}" (shows "${await x.page.textContent("#who-name").catch(() => "")}")`);
  const me = await whoami(x.page);
  check(me.status === 200 && me.body?.kind === "session" && me.body?.username === LAN.user,
    `${what}: whoami is lan's session (${me.status} ${JSON.stringify(me.body && { kind: me.body.kind, username: me.body.username })})`);
}

// ---- a. the service says single sign-on is on ----
{
  const r = await api("/api/v1/session/sso");
  check(r.status === 200 && r.body?.enabled === true && r.body?.url === "/api/v1/session/sso/start",
    `a. GET /api/v1/session/sso: ${r.status} ${JSON.stringify(r.body)}`);
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run"],
});
try {
  // ---- b. signing in through the provider ----
  const b = await newPage(browser);
  const callbacks = [];
  const authorizations = [];
  b.page.on("request", (req) => {
    const u = req.url();
    if (u.startsWith(CALLBACK + "?")) callbacks.push(u);
    if (u.startsWith(ISSUER + "/auth?")) authorizations.push(new URL(u));
  });
  await b.page.goto(BASE + "/dashboard/");
  const button = b.page.getByRole("link", { name: SSO_BUTTON });
  await button.waitFor({ state: "visible", timeout: 10000 });
  check(await button.isVisible(), `b. the dashboard shows "${SSO_BUTTON}"`);
  await signedInAfter(b, async () => {
    await button.click();
    await loginAtProvider(b.page, LAN.user, "provider-login.png");
  }, "b. signed in through the provider");
  await b.page.screenshot({ path: `${OUT}/signed-in.png` });
  check(callbacks.length === 1, `b. the browser was sent to the callback once (${callbacks.length})`);
  const auth = authorizations[0];
  check(!!auth, "b. the browser went to the provider's authorization endpoint");
  if (auth) {
    const p = Object.fromEntries(auth.searchParams);
    check(p.response_type === "code" && p.client_id === "campaign-tracker" && p.redirect_uri === CALLBACK,
      `b. a code flow for campaign-tracker back to ${CALLBACK}: ${JSON.stringify(p)}`);
    check(p.code_challenge_method === "S256" && /^[A-Za-z0-9_-]{43}$/.test(p.code_challenge ?? ""),
      "b. with a PKCE S256 challenge");
    check((p.scope ?? "").split(" ").includes("openid") && (p.scope ?? "").split(" ").includes("email"),
      `b. scope has openid and email (${p.scope})`);
    check((p.state ?? "").length >= 16 && (p.nonce ?? "").length >= 16, "b. with a state and a nonce");
  }
  const cookies = await b.context.cookies(BASE);
  check(!cookies.some((c) => c.name === "ct_sso"), "b. the ct_sso cookie is gone after the callback");
  check(b.problems.length === 0, "b. no page error: " + b.problems.join("; "));

  // ---- c. a replayed code ----
  const used = callbacks[0];
  await signOut(b.page);
  if (used) {
    await refusedAfter(b, () => b.page.goto(used), "state", "c. the same callback URL again");
    // The same code under a fresh flow of this browser: the state is good,
    // the code is spent.
    const fresh = await startFlow(b.context);
    const replay = new URL(used);
    replay.searchParams.set("state", fresh.searchParams.get("state"));
    const mark = logMark();
    await refusedAfter(b, () => b.page.goto(replay.href), "provider", "c. the used code under a fresh state of this browser");
    const lines = logSince(mark);
    check(lines.some((l) => l.startsWith("oidc: grant.error campaign-tracker invalid_grant")),
      "c. the provider refused the replayed code: " + JSON.stringify(lines));
  }
  await b.context.close();

  // ---- d. a wrong state ----
  {
    const d = await newPage(browser);
    await d.page.goto(BASE + "/dashboard/");
    const held = await heldCallback(d, LAN.user);
    check(!!held, `d. the provider answered with a code for the callback (${held})`);
    if (held) {
      const tampered = new URL(held);
      tampered.searchParams.set("state", randomBytes(16).toString("base64url"));
      await refusedAfter(d, () => d.page.goto(tampered.href), "state", "d. the callback with another state");
      // Any answer at the callback ends this browser's flow (its ct_sso
      // cookie is cleared): the untampered callback is refused now too.
      await refusedAfter(d, () => d.page.goto(held), "state", "d. then the untampered callback of the same flow");
      // A new flow in the same browser signs in (the provider remembers lan
      // and her consent: straight back).
      await signedInAfter(d, () => d.page.getByRole("link", { name: SSO_BUTTON }).click(), "d. then a new flow");
      await signOut(d.page);
    }
    await d.context.close();
  }
  // The callback taken to another browser (which has no ct_sso of its own).
  {
    const mine = await newPage(browser);
    await mine.page.goto(BASE + "/dashboard/");
    const held = await heldCallback(mine, LAN.user);
    check(!!held, `d. a second flow answered with a code (${held})`);
    if (held) {
      const other = await newPage(browser);
      await other.page.goto(BASE + "/dashboard/");
      await refusedAfter(other, () => other.page.goto(held), "state", "d. the callback opened in another browser");
      await other.context.close();
    }
    await mine.context.close();
  }

  // ---- e. a code issued to another client ----
  {
    const e = await newPage(browser);
    await e.page.goto(BASE + "/dashboard/");
    const ours = await startFlow(e.context);
    const theirs = new URL(ours);
    check(theirs.searchParams.get("client_id") === "campaign-tracker", "e. the service's request names campaign-tracker");
    theirs.searchParams.set("client_id", "other-app");
    const mark = logMark();
    await refusedAfter(e, async () => {
      await e.page.goto(theirs.href);
      await loginAtProvider(e.page, LAN.user);
    }, "provider", "e. a code issued to other-app");
    const lines = logSince(mark);
    check(lines.some((l) => l.startsWith("oidc: authorization.success other-app")),
      "e. the provider did issue other-app a code: " + JSON.stringify(lines));
    check(lines.some((l) => l.startsWith("oidc: grant.error campaign-tracker") && l.includes("client mismatch")),
      "e. and refused it to campaign-tracker (client mismatch)");
    check(!lines.some((l) => l.startsWith("oidc: grant.success")), "e. no token was issued");
    await e.context.close();
  }

  // ---- f. no account ----
  {
    const f = await newPage(browser);
    await f.page.goto(BASE + "/dashboard/");
    await f.page.getByRole("link", { name: SSO_BUTTON }).click();
    await refusedAfter(f, () => loginAtProvider(f.page, "nobody"), "no_account", "f. nobody@example.vn (no account)",
      "refused.png");
    const list = await api("/api/v1/accounts?limit=500", ADMIN);
    check(list.status === 200 && !list.body.items.some((a) => a.username === "nobody" || a.email === "nobody@example.vn"),
      `f. no account was made (${list.status}: ${list.body?.items?.map((a) => a.username).join(", ")})`);
    check(f.problems.length === 0, "f. no page error: " + f.problems.join("; "));
    await f.context.close();
  }

  // ---- g. a disabled account ----
  {
    const g = await newPage(browser);
    await g.page.goto(BASE + "/dashboard/");
    await g.page.getByRole("link", { name: SSO_BUTTON }).click();
    await refusedAfter(g, () => loginAtProvider(g.page, "minh"), "disabled", "g. minh (disabled)");
    await g.context.close();
  }
} finally {
  await browser.close();
}
check(outside.length === 0, "no request left 127.0.0.1 but the provider's web font: " + outside.join(", "));
for (const n of notes) console.log("oidc: note: " + n);
console.log(`oidc: ${checks - failures} passed, ${failures} failed`);
if (failures) process.exit(1);
