// Places as people say them: "xã Yên Cư, huyện Chợ Mới, tỉnh Bắc Kạn",
// for the units valid on a given day (a 2024 activity is in the units of
// 2024, before the 2025 reform), and the search behind the place picker of
// the activity form, kept within the account's area or the deployment's
// HOME_AREA when there is one. Every request goes through api.js.
import { request } from "./api.js";

// code|day → the unit's detail (with its ancestors), or null when no unit
// has that code on that day.
const details = new Map();
// scope|day → { scope, codes } (the scope's unit and the districts under it).
const scopes = new Map();

/** "Xã Yên Cư" → "xã Yên Cư": the level word as said inside a sentence. */
const lowerFirst = (name) => name.charAt(0).toLowerCase() + name.slice(1);

/** The unit with `code` on `day`, with its ancestors; null when unknown then. */
export async function unitOn(code, day) {
  const key = `${code}|${day}`;
  if (!details.has(key)) {
    let unit = null;
    try {
      unit = await request(`/api/v1/areas/${encodeURIComponent(code)}?` + new URLSearchParams({ on: day }));
    } catch (e) {
      if (e.status !== 404) throw e;
    }
    details.set(key, unit);
  }
  return details.get(key);
}

/** The unit and its ancestors in words, nearest first; the code when unknown. */
export async function placeLabel(code, day) {
  const unit = await unitOn(code, day);
  if (!unit) return code;
  return [unit, ...(unit.ancestors || [])].map((u) => lowerFirst(u.name)).join(", ");
}

// The scope on `day`: its unit and, for a province, the codes of the
// districts under it (a commune is inside when its parent is one of them).
async function scopeOn(code, day) {
  const key = `${code}|${day}`;
  if (!scopes.has(key)) {
    const unit = await unitOn(code, day);
    const codes = new Set([code]);
    if (unit && unit.level === "province") {
      let cursor = null;
      do {
        const q = new URLSearchParams({ parent: code, on: day, limit: "500" });
        if (cursor) q.set("cursor", cursor);
        const page = await request("/api/v1/areas?" + q);
        for (const a of page.items) codes.add(a.code);
        cursor = page.next_cursor;
      } while (cursor);
    }
    scopes.set(key, unit ? { unit, codes } : null);
  }
  return scopes.get(key);
}

/** The scope's name on `day` ("tỉnh Bắc Kạn"), or null when there is none. */
export async function scopeName(code, day) {
  const s = code ? await scopeOn(code, day) : null;
  return s ? lowerFirst(s.unit.name) : null;
}

/**
 * Units named like `text` (accents and case ignored) on `day`, inside the
 * unit `scope` when given (and valid that day): at most `max`, each with its
 * label in words.
 */
export async function searchPlaces(text, day, scope, max = 10) {
  const within = scope ? await scopeOn(scope, day) : null;
  const inside = (a) => !within || within.codes.has(a.code) || within.codes.has(a.parent_code || "");
  const found = [];
  let cursor = null;
  for (let pages = 0; pages < 6 && found.length < max; pages++) {
    const q = new URLSearchParams({ q: text, on: day, limit: "200" });
    if (cursor) q.set("cursor", cursor);
    const page = await request("/api/v1/areas?" + q);
    found.push(...page.items.filter(inside));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  // Communes and wards first (where activities are held), then districts, then provinces.
  const rank = { village: 0, commune: 1, district: 2, province: 3 };
  found.sort((a, b) => (rank[a.level] ?? 9) - (rank[b.level] ?? 9));
  const shown = found.slice(0, max);
  return Promise.all(shown.map(async (a) => ({ code: a.code, label: await placeLabel(a.code, day) })));
}
