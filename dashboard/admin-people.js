// An admin's people and systems (issue 32): the accounts people sign in
// with (add one, with a one-time password shown once; reset a password;
// lock or unlock), the access tokens of agencies' systems and screens
// (issue one, shown once; revoke), and the partner agencies (add, rename,
// stop or resume their writing). Every request goes through api.js.
import { request, requestAll } from "./api.js";
import { fmtMoment, t } from "./i18n.js";
import { actionButton, el, fieldError, statusLine, table } from "./dom.js";

const $ = (id) => document.getElementById(id);
// ctx: { show(screenId), agencies: [{code, label}], names, reloadAgencies() }.
const ppl = { ctx: null, gen: 0, accounts: [], tokens: [], agencies: [] };

const status = (text, error) => statusLine("people-status", text, error);
const fail = (e) => status(e.message, true);
const day = (iso) => fmtMoment(iso, true);
const roleName = (r) => t("roles")[r] || r;

// A secret shown once (a one-time password, a token), with what to do with it.
function secret(key, args, value) {
  const box = $("people-secret");
  const code = el("code", null, value);
  code.setAttribute("translate", "no");
  const copy = el("button", "secondary", t("copy"));
  copy.type = "button";
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(value); copy.textContent = t("copied"); } catch (_) { /* select it by hand */ }
  });
  box.replaceChildren(el("p", null, t(key, args)), el("p", "secret", null), el("p", "note", t("secretOnce")));
  box.children[1].append(code, " ", copy);
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function fillSelects() {
  const agencies = ppl.agencies.filter((a) => a.active);
  for (const id of ["acc-agency", "tok-agency"]) {
    const s = $(id);
    const chosen = s.value;
    s.replaceChildren(...agencies.map((a) => new Option(a.name, a.code)));
    if (chosen) s.value = chosen;
  }
  for (const id of ["acc-role", "tok-role"]) {
    const s = $(id);
    const chosen = s.value || "agency";
    s.replaceChildren(...["agency", "viewer", "admin"].map((r) => new Option(roleName(r), r)));
    s.value = chosen;
    $(id.replace("role", "agency-box")).hidden = s.value !== "agency";
  }
}

function render() {
  $("accounts-list").replaceChildren(table("wide admin accounts", ["colUsername", "colName", "colRole", "colAgency", "colState", "colActions"],
    ppl.accounts.map((a) => {
      const actions = el("div", "actions");
      actions.dataset.username = a.username;
      actions.append(actionButton("resetPassword", "secondary", async () => {
        const out = await request(`/api/v1/accounts/${a.id}/reset-password`, { method: "POST" });
        secret("passwordFor", { name: a.display_name, user: a.username }, out.one_time_password);
        await load(t("passwordReset", { user: a.username }));
      }, fail), actionButton(a.disabled ? "enableAccount" : "disableAccount", a.disabled ? "secondary" : "danger", async () => {
        await request(`/api/v1/accounts/${a.id}`, { method: "PATCH", body: { disabled: !a.disabled } });
        await load(t(a.disabled ? "accountEnabled" : "accountDisabled", { user: a.username }));
      }, fail));
      const state = a.disabled ? t("stateDisabled") : a.must_change_password ? t("stateNewPassword") : t("stateActive");
      return [a.username, a.display_name, roleName(a.role), a.agency_name || "", state, actions];
    })));
  $("tokens-list").replaceChildren(ppl.tokens.length
    ? table("wide admin tokens", ["colLabel", "colRole", "colAgency", "colIssued", "colExpires", "colState", "colActions"],
      ppl.tokens.map((k) => {
        const actions = el("div", "actions");
        actions.dataset.label = k.label;
        if (!k.revoked_at) {
          actions.append(actionButton("revokeToken", "danger", async () => {
            await request(`/api/v1/tokens/${k.id}`, { method: "DELETE" });
            await load(t("tokenRevoked", { label: k.label }));
          }, fail));
        }
        const role = k.public ? roleName("public") : roleName(k.role);
        const state = k.revoked_at ? t("stateRevoked", { date: day(k.revoked_at) }) : t("stateActive");
        return [k.label, role, k.agency ? ppl.ctx.names[k.agency] || k.agency : "", day(k.issued_at), day(k.expires_at), state, actions];
      }))
    : el("p", "note", t("tokensNone")));
  $("agencies-list").replaceChildren(table("wide admin agencies-table", ["colCode", "agencyName", "colNameEn", "colState", "colActions"],
    ppl.agencies.map((a) => {
      const actions = el("div", "actions");
      actions.dataset.code = a.code;
      actions.append(actionButton(a.active ? "stopAgency" : "resumeAgency", a.active ? "danger" : "secondary", async () => {
        await request(`/api/v1/agencies/${a.code}`, { method: "PATCH", body: { active: !a.active } });
        await load(t(a.active ? "agencyStopped" : "agencyResumed", { name: a.name }));
      }, fail));
      return [a.code, a.name, a.name_en, a.active ? t("stateActive") : t("stateStopped"), actions];
    })));
}

async function load(notice) {
  const gen = ++ppl.gen;
  status(t("loading"));
  const [accounts, tokens, agencies] = await Promise.all([requestAll("/api/v1/accounts"), request("/api/v1/tokens"),
    request("/api/v1/agencies")]);
  if (gen !== ppl.gen) return;
  Object.assign(ppl, { accounts, tokens, agencies });
  fillSelects();
  render();
  status(notice || "");
}

/** Shows the people and systems screen (admins). */
export async function showPeople(ctx) {
  if (ctx) ppl.ctx = ctx;
  ppl.ctx.show("people-screen");
  $("people-secret").hidden = true;
  try { await load(); } catch (e) { if (!e.handled) fail(e); }
}

/** Says the screen again in the page's language. */
export function translatePeople() {
  if (!ppl.ctx || $("people-screen").hidden) return;
  fillSelects();
  render();
}

/** Signed out: nothing stays (a secret shown least of all). */
export function closePeople() {
  ppl.gen += 1;
  Object.assign(ppl, { ctx: null, accounts: [], tokens: [], agencies: [] });
  for (const id of ["accounts-list", "tokens-list", "agencies-list", "people-secret"]) $(id).replaceChildren();
  $("people-secret").hidden = true;
  status("");
}

// The service's field errors, at their fields (`fields`: API field → page id).
function sayFields(e, fields, fallback) {
  let shown = false;
  for (const f of e.fields || []) {
    const id = fields[f.field];
    if (id) { fieldError(id, f.message); shown = true; }
  }
  if (!shown) fieldError(fallback, e.message);
}

function clearFields(ids) {
  for (const id of ids) fieldError(id, null);
}

$("acc-role").addEventListener("change", () => { $("acc-agency-box").hidden = $("acc-role").value !== "agency"; });
$("tok-role").addEventListener("change", () => { $("tok-agency-box").hidden = $("tok-role").value !== "agency"; });

$("account-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const ids = ["acc-username", "acc-name", "acc-role", "acc-agency"];
  clearFields(ids);
  const body = { username: $("acc-username").value.trim(), display_name: $("acc-name").value.trim(), role: $("acc-role").value };
  if (body.role === "agency") body.agency = $("acc-agency").value;
  if (!body.username) { fieldError("acc-username", t("needUsername")); $("acc-username").focus(); return; }
  if (!body.display_name) { fieldError("acc-name", t("needText")); $("acc-name").focus(); return; }
  $("acc-submit").disabled = true;
  try {
    const out = await request("/api/v1/accounts", { method: "POST", body });
    $("account-form").reset();
    await load(t("accountCreated", { user: out.account.username }));
    secret("passwordFor", { name: out.account.display_name, user: out.account.username }, out.one_time_password);
  } catch (e) {
    if (!e.handled) sayFields(e, { username: "acc-username", display_name: "acc-name", role: "acc-role", agency: "acc-agency" }, "acc-username");
  } finally {
    $("acc-submit").disabled = false;
    fillSelects();
  }
});

$("token-form-admin").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const ids = ["tok-label", "tok-role", "tok-agency", "tok-days"];
  clearFields(ids);
  const body = { label: $("tok-label").value.trim(), role: $("tok-role").value };
  if (body.role === "agency") body.agency = $("tok-agency").value;
  const days = $("tok-days").value.trim();
  if (days) {
    if (!/^\d+$/.test(days) || Number(days) < 1) { fieldError("tok-days", t("needDays")); $("tok-days").focus(); return; }
    body.ttl_days = Number(days);
  }
  if (!body.label) { fieldError("tok-label", t("needText")); $("tok-label").focus(); return; }
  $("tok-submit").disabled = true;
  try {
    const out = await request("/api/v1/tokens", { method: "POST", body });
    $("token-form-admin").reset();
    await load(t("tokenIssued", { label: out.label }));
    secret("tokenFor", { label: out.label }, out.token);
  } catch (e) {
    if (!e.handled) sayFields(e, { label: "tok-label", role: "tok-role", agency: "tok-agency", ttl_days: "tok-days" }, "tok-label");
  } finally {
    $("tok-submit").disabled = false;
    fillSelects();
  }
});

$("agency-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const ids = ["ag-code", "ag-name", "ag-name-en"];
  clearFields(ids);
  const body = { code: $("ag-code").value.trim(), name: $("ag-name").value.trim(), name_en: $("ag-name-en").value.trim() };
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(body.code)) { fieldError("ag-code", t("needCode")); $("ag-code").focus(); return; }
  if (!body.name) { fieldError("ag-name", t("needText")); $("ag-name").focus(); return; }
  if (!body.name_en) body.name_en = body.name;
  $("ag-submit").disabled = true;
  try {
    const out = await request("/api/v1/agencies", { method: "POST", body });
    $("agency-form").reset();
    await load(t("agencyCreated", { name: out.name }));
    await ppl.ctx.reloadAgencies();
  } catch (e) {
    if (!e.handled) sayFields(e, { code: "ag-code", name: "ag-name", name_en: "ag-name-en" }, "ag-code");
  } finally {
    $("ag-submit").disabled = false;
  }
});
