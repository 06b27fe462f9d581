// Charts drawn as SVG by hand (nothing vendored, nothing from a CDN): grouped
// horizontal bars, lines over months, and an UpSet-style view of exact
// combinations. Text is set with textContent, never parsed as markup.
const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed"];

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(width, height, label) {
  return el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label,
    preserveAspectRatio: "xMinYMin meet" });
}

// The width a chart is drawn at: the room it has (the page's, while its
// view is still hidden), 280 to 600 units, so that its 11 px text stays
// 11 px on a phone instead of being scaled down.
function room(container) {
  const w = container.clientWidth || document.documentElement.clientWidth - 24;
  return Math.round(Math.max(280, Math.min(600, w)));
}

// Charts are drawn again when the page's width changes (a phone turned).
const drawn = new Map();
let lastWidth = 0;
let resizeTimer = null;
if (typeof window !== "undefined") {
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const w = document.documentElement.clientWidth;
      if (w === lastWidth) return;
      lastWidth = w;
      for (const [container, draw] of drawn) {
        if (!container.isConnected || !container.firstChild) drawn.delete(container); else draw();
      }
    }, 150);
  });
}

const clip = (text, chars) => (text.length > chars ? text.slice(0, chars - 1) + "…" : text);

function legend(names, color = 0) {
  const ul = document.createElement("ul");
  ul.className = "legend";
  names.forEach((n, i) => {
    const li = document.createElement("li");
    li.className = "s" + ((i + color) % 4);
    li.textContent = n;
    ul.appendChild(li);
  });
  return ul;
}

// items: [{label, values: [..]}], one bar per series per item; `color`:
// the first series' colour (one measure per chart: its own colour).
function bars(container, items, series, fmt, label, color = 0) {
  container.replaceChildren();
  drawn.set(container, () => bars(container, items, series, fmt, label, color));
  if (!items.length) return;
  const W = room(container), labelW = Math.min(170, Math.round(W * 0.36)), row = 16 * series.length + 10;
  const H = items.length * row + 10;
  const max = Math.max(1, ...items.flatMap((i) => i.values.map((v) => v || 0)));
  const s = svg(W, H, label);
  items.forEach((item, r) => {
    const y = 5 + r * row;
    const name = el("text", { x: 0, y: y + row / 2, "dominant-baseline": "middle" },
      clip(item.label, Math.floor(labelW / 7)));
    name.appendChild(el("title", {}, item.label));
    s.appendChild(name);
    item.values.forEach((v, k) => {
      const w = ((v || 0) / max) * (W - labelW - 70);
      const by = y + k * 16;
      s.appendChild(el("rect", { x: labelW, y: by, width: Math.max(w, 0), height: 13, fill: COLORS[(k + color) % 4] }));
      s.appendChild(el("text", { x: labelW + w + 4, y: by + 11 }, v === null ? "–" : fmt(v)));
    });
  });
  container.append(legend(series, color), s);
}

// labels: x labels; series: [{name, values}] (null: no value).
function lines(container, labels, series, fmt, label, color = 0) {
  container.replaceChildren();
  drawn.set(container, () => lines(container, labels, series, fmt, label, color));
  if (!labels.length) return;
  const W = room(container), H = 240, left = 50, bottom = 30, top = 10, right = 10;
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v || 0)));
  const x = (i) => left + (labels.length === 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (labels.length - 1));
  const y = (v) => top + (1 - v / max) * (H - top - bottom);
  const s = svg(W, H, label);
  s.appendChild(el("line", { x1: left, y1: y(0), x2: W - right, y2: y(0), stroke: "#999" }));
  s.appendChild(el("text", { x: 0, y: y(max) + 8 }, fmt(max)));
  s.appendChild(el("text", { x: 0, y: y(0) }, "0"));
  const step = Math.max(1, Math.ceil(labels.length / Math.max(2, Math.floor(W / 75))));
  labels.forEach((l, i) => {
    if (i % step === 0) {
      const anchor = i === 0 && labels.length > 1 ? "start" : i === labels.length - 1 && labels.length > 1 ? "end" : "middle";
      s.appendChild(el("text", { x: x(i), y: H - 8, "text-anchor": anchor }, l));
    }
  });
  series.forEach((ser, k) => {
    const pts = ser.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
    s.appendChild(el("polyline", { points: pts.join(" "), fill: "none", stroke: COLORS[(k + color) % 4], "stroke-width": 2 }));
    ser.values.forEach((v, i) => {
      if (v !== null) s.appendChild(el("circle", { cx: x(i), cy: y(v), r: 2.5, fill: COLORS[(k + color) % 4] }));
    });
  });
  container.append(legend(series.map((s) => s.name), color), s);
}

// combos: [{agencies: [..], people}], largest first; agencies: every agency.
// Drawn at the room it has (never scaled down under 11 px text): the
// agencies' names at the left, clipped short of the first column of dots,
// the columns as narrow as the room needs (down to 26 units).
function upset(container, combos, agencies, names, fmt, label) {
  container.replaceChildren();
  drawn.set(container, () => upset(container, combos, agencies, names, fmt, label));
  if (!combos.length) return;
  const space = room(container);
  const left = space < 450 ? 130 : 170, barH = 120, rowH = 20;
  const colW = Math.max(26, Math.min(40, Math.floor((space - left - 10) / combos.length)));
  const W = Math.max(space, left + combos.length * colW + 10), H = barH + 20 + agencies.length * rowH;
  const max = Math.max(1, ...combos.map((c) => c.people || 0));
  const s = svg(W, H, label);
  combos.forEach((c, i) => {
    const h = ((c.people || 0) / max) * (barH - 14);
    const cx = left + i * colW + colW / 2;
    s.appendChild(el("rect", { x: cx - 10, y: barH - h, width: 20, height: h, fill: COLORS[0] }));
    s.appendChild(el("text", { x: cx, y: barH - h - 3, "text-anchor": "middle" }, c.suppressed ? "–" : fmt(c.people)));
    agencies.forEach((a, r) => {
      const cy = barH + 20 + r * rowH;
      const on = c.agencies.includes(a);
      s.appendChild(el("circle", { cx, cy, r: 5, fill: on ? "#1b1b1b" : "#ddd" }));
    });
  });
  agencies.forEach((a, r) => {
    const name = el("text", { x: 0, y: barH + 24 + r * rowH }, clip(names[a] || a, Math.floor((left - 14) / 7.5)));
    name.appendChild(el("title", {}, names[a] || a));
    s.appendChild(name);
  });
  container.append(s);
}

export const Charts = { bars, lines, upset };
