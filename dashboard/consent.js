// What waits for the agency's answer: activities another agency says it
// co-organised (confirm, with the figures it agrees to, or decline),
// proposals to join two reports as one activity (approve the figures shown,
// or decline), and reports that may be the same as another agency's
// (propose joining them). A locked period is explained in words (api.js).
import { request, requestAll } from "./api.js";
import { dmy, fmt, t } from "./i18n.js";
import { placeLabel } from "./places.js";
import { actionButton, el, statusLine } from "./dom.js";

const $ = (id) => document.getElementById(id);
// ctx: { agency (null for an admin), names: code → name, onCount(n) }.
const consent = { ctx: null, gen: 0 };

const status = (text, error) => statusLine("consent-status", text, error);

const agencyName = (code) => consent.ctx.names[code] || code;

// A button whose failure is said on the status line.
const button = (key, cls, onClick) => actionButton(key, cls, onClick, (e) => status(e.message, true));

// Figures as a list of name: value.
function figures(rows) {
  const dl = el("dl", "figures");
  for (const [label, value] of rows) {
    if (value === undefined) continue;
    dl.append(el("dt", null, t(label)), el("dd", null, value));
  }
  return dl;
}

const dates = (a, b) => (a === b ? dmy(a) : `${dmy(a)} – ${dmy(b)}`);

// ---- claims ----

function claimCard(c) {
  const e = c.event;
  const card = el("article", "item");
  card.dataset.id = e.id;
  card.append(el("h4", null, e.title), el("p", "by", t("claimBy", { agency: agencyName(e.agency) })));
  const place = el("dd");
  const a = e.attendance || {};
  const rows = [["lblDates", dates(e.start_date, e.end_date)], ["lblKind", t("kinds")[e.kind] || e.kind],
    ["lblSessions", fmt(e.sessions)]];
  if (e.audience) rows.push(["lblAudience", fmt(e.audience.estimate)]);
  else {
    rows.push(["lblTotal", fmt(a.total)]);
    if (a.female !== null && a.female !== undefined) rows.push(["lblFemale", fmt(a.female)]);
    if (a.male !== null && a.male !== undefined) rows.push(["lblMale", fmt(a.male)]);
    if (a.under_18 !== null && a.under_18 !== undefined) rows.push(["lblUnder18", fmt(a.under_18)]);
    rows.push(["lblPeople", fmt(e.participants_identified)]);
  }
  const list = figures(rows);
  list.append(el("dt", null, t("lblPlace")), place);
  placeLabel(e.area_code, e.start_date).then((l) => { place.textContent = l; }).catch(() => { place.textContent = e.area_code; });
  const tools = el("div", "toolbar");
  const path = `/api/v1/events/${e.id}/claims/${encodeURIComponent(c.agency)}`;
  tools.append(
    button("claimConfirm", "", async () => {
      await request(path + "/confirm", { method: "POST", ifMatch: e.version });
      await refresh(t("claimConfirmed", { title: e.title }));
    }),
    button("claimDecline", "secondary", async () => {
      await request(path + "/decline", { method: "POST", ifMatch: e.version });
      await refresh(t("claimDeclined", { title: e.title }));
    }));
  card.append(list, tools);
  return card;
}

// ---- link proposals ----

function reportBox(r) {
  const box = el("div", "report");
  box.append(el("h5", null, t("reportOf", { agency: agencyName(r.agency) })));
  const rows = [["lblDates", dates(r.start_date, r.end_date)], ["lblKind", t("kinds")[r.kind] || r.kind]];
  if (r.figures_shown) {
    if (r.attendance_total !== null && r.attendance_total !== undefined) rows.push(["lblTotal", fmt(r.attendance_total)]);
    if (r.participants_identified !== null && r.participants_identified !== undefined) {
      rows.push(["lblPeople", fmt(r.participants_identified)]);
    }
    if (r.co_organizers && r.co_organizers.length) rows.push(["lblCo", r.co_organizers.map(agencyName).join(", ")]);
  }
  box.appendChild(figures(rows));
  if (!r.figures_shown) box.appendChild(el("p", "note", t("linkHidden", { agency: agencyName(r.agency) })));
  return box;
}

function proposalCard(p) {
  const card = el("article", "item");
  card.dataset.id = p.id;
  card.append(el("h4", null, t("linkProposedBy", { agency: agencyName(p.proposed_by) })));
  const pair = el("div", "pair-reports");
  for (const r of p.reports) pair.appendChild(reportBox(r));
  card.appendChild(pair);
  if (p.approved_by.length) card.appendChild(el("p", "note", t("linkApprovedBy", { list: p.approved_by.map(agencyName).join(", ") })));
  if (p.waiting_for.length) card.appendChild(el("p", "note waiting", t("linkWaiting", { list: p.waiting_for.map(agencyName).join(", ") })));
  const tools = el("div", "toolbar");
  const mine = !consent.ctx.agency || p.waiting_for.includes(consent.ctx.agency);
  const ownProposal = consent.ctx.agency && p.proposed_by === consent.ctx.agency;
  if (mine) {
    tools.appendChild(button("linkApprove", "", async () => {
      const out = await request(`/api/v1/link-proposals/${p.id}/approve`, { method: "POST", ifMatch: p.revision });
      await refresh(t(out && out.status === "linked" ? "linkLinked" : "linkWaitingOthers"));
    }));
  }
  tools.appendChild(button(ownProposal ? "linkWithdraw" : "linkDecline", "secondary", async () => {
    await request(`/api/v1/link-proposals/${p.id}`, { method: "DELETE" });
    await refresh(t(ownProposal ? "linkWithdrawn" : "linkDeclined"));
  }));
  card.appendChild(tools);
  return card;
}

// ---- duplicate candidates ----

function reasonWords(reasons) {
  const words = t("reasons");
  return reasons.map((r) => {
    const [name, rest] = r.split(":");
    if (name === "shared_topics" && rest) return `${words.shared_topics} (${rest.split(",").map((x) => t("topics")[x] || x).join(", ")})`;
    return words[name] || name;
  }).join(", ");
}

function candidateCard(c) {
  const card = el("article", "item");
  card.dataset.id = c.event_id;
  card.dataset.other = c.other_id;
  const pair = el("div", "pair-reports");
  [[c.agency, c.meetings[0]], [c.other_agency, c.meetings[1]]].forEach(([agency, m]) => {
    const box = el("div", "report");
    box.append(el("h5", null, t("reportOf", { agency: agencyName(agency) })));
    if (m) {
      const list = figures([["lblDates", dates(m.start_date, m.end_date)], ["lblKind", t("kinds")[m.kind] || m.kind]]);
      if (m.area) {
        const place = el("dd", null, m.area_name || m.area);
        list.append(el("dt", null, t("lblPlace")), place);
        placeLabel(m.area, m.start_date).then((l) => { place.textContent = l; }).catch(() => {});
      }
      box.appendChild(list);
    }
    pair.appendChild(box);
  });
  card.append(pair, el("p", "note", t("dupReasons", { list: reasonWords(c.reasons) })));
  // A pair already proposed waits for the answers: nothing to propose again.
  const proposed = (consent.data ? consent.data.links : []).find((p) => [p.from_id, p.to_id].includes(c.event_id)
    && [p.from_id, p.to_id].includes(c.other_id));
  if (proposed) {
    card.appendChild(el("p", "notice", t("dupAlready", { list: proposed.waiting_for.map(agencyName).join(", ") })));
    return card;
  }
  const tools = el("div", "toolbar");
  tools.appendChild(button("dupPropose", "", async () => {
    await request(`/api/v1/events/${c.event_id}/same-as`, { method: "POST", body: { other_id: c.other_id } });
    await refresh(t("dupProposed", { agency: agencyName(c.other_agency) }));
  }));
  card.appendChild(tools);
  return card;
}

// ---- the screen ----

// The first thousand of a list, a hundred a page.
const all = (path) => requestAll(path, { pageSize: 100, max: 1000 });

function fill(id, items, card, none) {
  const box = $(id);
  box.replaceChildren(...items.map(card));
  if (!items.length) box.appendChild(el("p", "empty", t(none)));
}

/** How many answers the agency owes (claims and proposals waiting for it). */
export async function pendingCount(agency) {
  const [claims, links] = await Promise.all([all("/api/v1/claims?status=pending"), all("/api/v1/link-proposals")]);
  return claims.length + links.filter((p) => !agency || p.waiting_for.includes(agency)).length;
}

// Loads and shows the three lists; `notice` said above them.
async function refresh(notice) {
  const gen = ++consent.gen;
  // The notice is said once the lists below show what it says.
  status(t("consentLoading"));
  const [claims, links, dups] = await Promise.all([all("/api/v1/claims?status=pending"), all("/api/v1/link-proposals"),
    all("/api/v1/events/duplicate-candidates")]);
  if (gen !== consent.gen) return;
  consent.data = { claims, links, dups };
  fill("claims-list", claims, claimCard, "claimsNone");
  fill("links-list", links, proposalCard, "linksNone");
  fill("dups-list", dups, candidateCard, "dupNone");
  status(notice || "");
  consent.ctx.onCount(claims.length + links.filter((p) => !consent.ctx.agency || p.waiting_for.includes(consent.ctx.agency)).length);
}

/** Shows the screen. */
export async function showConsent(ctx) {
  consent.ctx = ctx;
  try {
    await refresh();
  } catch (e) {
    if (!e.handled) status(e.message, true);
  }
}

/** Says the screen again in the page's language. */
export function translateConsent() {
  if (!consent.ctx || !consent.data || $("consent-screen").hidden) return;
  const { claims, links, dups } = consent.data;
  fill("claims-list", claims, claimCard, "claimsNone");
  fill("links-list", links, proposalCard, "linksNone");
  fill("dups-list", dups, candidateCard, "dupNone");
}

/** Signed out: nothing stays. */
export function closeConsent() {
  consent.gen += 1;
  consent.ctx = null;
  consent.data = null;
  for (const id of ["claims-list", "links-list", "dups-list"]) $(id).replaceChildren();
  status("");
}
