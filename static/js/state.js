// The dashboard's whole state and its URL form (request bodies: requests.js). Pure: no DOM.
// The URL is readable, e.g.
//   ?s=himmelblau&o=sgd:lr=0.005&o=adam:lr=0.1~cosine:T_max=300&start=0.5,4.5&steps=300
// Lanes are `name:k=v,k=v` (only values that differ from the catalog default), a schedule
// follows `~`, and `clip=…` inside the optimizer part is the gradient-clipping norm.

import { plain } from "./format.js";
import { checkParam, paramDefaults, paramToText, parseParam, sameValue } from "./params.js";

export const MAX_LANES = 8;
export const MAX_STARTS = 16;
export const MAX_STEPS = 5000;
export const LANGS = ["en", "ko"];
export const HIDEABLE = ["controls", "charts", "inspector", "table", "basins", "export"];

/** The race the dashboard opens on: Himmelblau, one start, four classic optimizers. */
export const DEFAULT_RACE = {
  surface: { name: "himmelblau", params: {} },
  lanes: [
    { name: "sgd", params: { lr: 0.005 } },
    { name: "sgd", params: { lr: 0.005, momentum: 0.9 } },
    { name: "rmsprop", params: { lr: 0.05 } },
    { name: "adam", params: { lr: 0.1 } },
  ],
  starts: [[0.5, 4.5]],
  steps: 300,
};

export function defaultView() {
  return { view: "2d", logy: true, lang: "en", theme: "light", projector: false, tab: "race",
    lesson: false, hide: [], lane: 0, speed: 1 };
}

/** Index a catalog by kind and name. */
export function indexCatalog(catalog) {
  const by = (list) => new Map((list ?? []).map((e) => [e.name, e]));
  return { surface: by(catalog.surface), optimizer: by(catalog.optimizer),
    schedule: by(catalog.schedule), raw: catalog };
}

/** Whether a schedule is for MLP runs only (reduce-on-plateau); surface lanes skip those. */
export function mlpOnly(entry) {
  return !!(entry?.mlp_only || entry?.info?.mlp_only);
}

/** A lane with every parameter filled in from the catalog (unknown names are dropped). */
export function makeLane(cat, name, params = {}, schedule = null, clip = null) {
  const entry = cat.optimizer.get(name);
  if (!entry) return null;
  const lane = { name, params: { ...paramDefaults(entry) }, schedule: null, clip: null };
  for (const spec of entry.params) {
    if (params[spec.name] !== undefined && !checkParam(spec, params[spec.name])) {
      lane.params[spec.name] = params[spec.name];
    }
  }
  if (schedule && cat.schedule.has(schedule.name) && !mlpOnly(cat.schedule.get(schedule.name))) {
    const sEntry = cat.schedule.get(schedule.name);
    const sp = paramDefaults(sEntry);
    for (const spec of sEntry.params) {
      const v = schedule.params?.[spec.name];
      if (v !== undefined && !checkParam(spec, v)) sp[spec.name] = v;
    }
    lane.schedule = { name: schedule.name, params: sp };
  }
  if (typeof clip === "number" && Number.isFinite(clip) && clip > 0 && clip <= 1e6) lane.clip = clip;
  return lane;
}

/** The default state (the ready race plus view settings). */
export function defaultState(cat) {
  return {
    surface: { ...DEFAULT_RACE.surface, params: {} },
    lanes: DEFAULT_RACE.lanes.map((l) => makeLane(cat, l.name, l.params)).filter(Boolean),
    starts: DEFAULT_RACE.starts.map((p) => p.slice()),
    steps: DEFAULT_RACE.steps,
    noise: { mode: "none", sigma: 0.1, batch: 8 },
    seed: 0,
    ...defaultView(),
  };
}

// ------------------------------------------------------------------------------ encode

function encodeEntry(entry, values, extra = []) {
  const parts = [];
  for (const spec of entry.params) {
    const v = values[spec.name];
    if (v === undefined || sameValue(v, spec.default)) continue;
    parts.push(`${spec.name}=${paramToText(spec, v)}`);
  }
  parts.push(...extra);
  return parts.length ? `${entry.name}:${parts.join(",")}` : entry.name;
}

/** One lane as `adam:lr=0.1,clip=1~cosine:T_max=300`. */
export function encodeLane(cat, lane) {
  const entry = cat.optimizer.get(lane.name);
  if (!entry) return lane.name;
  let s = encodeEntry(entry, lane.params, lane.clip ? [`clip=${plain(lane.clip)}`] : []);
  if (lane.schedule && cat.schedule.has(lane.schedule.name)) {
    s += `~${encodeEntry(cat.schedule.get(lane.schedule.name), lane.schedule.params)}`;
  }
  return s;
}

const SAFE = { "%3A": ":", "%2C": ",", "%3D": "=", "%7E": "~", "%2F": "/" };

function q(key, value) {
  const v = encodeURIComponent(String(value)).replace(/%3A|%2C|%3D|%7E|%2F/g, (m) => SAFE[m]);
  return `${key}=${v}`;
}

/** The query string (no leading "?") for a state; view settings only when not default. */
export function encodeState(cat, state) {
  const out = [];
  const s = state.surface;
  if (s.formula !== undefined && s.formula !== null) {
    out.push(q("f", s.formula));
    if (s.domain) out.push(q("dom", s.domain.flat().map(plain).join(",")));
  } else {
    const entry = cat.surface.get(s.name);
    out.push(q("s", entry ? encodeEntry(entry, s.params ?? {}) : s.name));
  }
  for (const lane of state.lanes) out.push(q("o", encodeLane(cat, lane)));
  for (const p of state.starts) out.push(q("start", `${plain(p[0])},${plain(p[1])}`));
  out.push(q("steps", state.steps));
  if (state.noise.mode === "sigma") out.push(q("sigma", plain(state.noise.sigma)));
  if (state.noise.mode === "batch") out.push(q("batch", state.noise.batch));
  out.push(q("seed", state.seed));
  const d = defaultView();
  if (state.view !== d.view) out.push(q("view", state.view));
  if (state.logy !== d.logy) out.push(q("logy", state.logy ? 1 : 0));
  if (state.tab !== d.tab) out.push(q("tab", state.tab));
  if (state.lane !== d.lane) out.push(q("lane", state.lane));
  if (state.speed !== d.speed) out.push(q("speed", plain(state.speed)));
  if (state.theme !== d.theme) out.push(q("theme", state.theme));
  if (state.projector) out.push(q("proj", 1));
  if (state.lesson) out.push(q("lesson", 1));
  if (state.hide.length) out.push(q("hide", state.hide.join(",")));
  out.push(q("lang", state.lang));
  return out.join("&");
}

// ------------------------------------------------------------------------------ decode

/** `name:k=v,k=v` → {name, values} parsed against the entry's specs (bad values dropped). */
function decodeEntry(kindMap, text, reserved = []) {
  const [name, rest = ""] = String(text).split(/:(.*)/s);
  const entry = kindMap.get(name.trim());
  if (!entry) return null;
  const values = {};
  const extra = {};
  for (const kv of rest.split(",")) {
    const [k, v] = kv.split("=");
    if (!k || v === undefined) continue;
    if (reserved.includes(k)) {
      extra[k] = v;
      continue;
    }
    const spec = entry.params.find((p) => p.name === k);
    if (!spec) continue;
    const parsed = parseParam(spec, v);
    if (parsed !== undefined && !checkParam(spec, parsed)) values[k] = parsed;
  }
  return { name: entry.name, values, extra };
}

export function decodeLane(cat, text) {
  const [opt, sched] = String(text).split("~");
  const o = decodeEntry(cat.optimizer, opt, ["clip"]);
  if (!o) return null;
  const s = sched ? decodeEntry(cat.schedule, sched) : null;
  const clip = o.extra.clip !== undefined ? Number(o.extra.clip) : null;
  return makeLane(cat, o.name, o.values, s ? { name: s.name, params: s.values } : null, clip);
}

function num(text, fallback, { int = false, low = -Infinity, high = Infinity } = {}) {
  const n = Number(text);
  if (text === null || text === "" || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
    return fallback;
  }
  return Math.min(high, Math.max(low, n));
}

/**
 * A query string (with or without "?") → a complete state. Anything missing or invalid
 * falls back to the default race, so a hand-edited link still opens something sensible.
 */
export function decodeState(cat, query, fallbackLang = "en") {
  const p = new URLSearchParams(String(query).replace(/^\?/, ""));
  const st = defaultState(cat);
  st.lang = LANGS.includes(p.get("lang")) ? p.get("lang") : fallbackLang;

  if (p.get("f")) {
    st.surface = { formula: p.get("f").slice(0, 500), domain: null };
    const d = (p.get("dom") ?? "").split(",").map(Number);
    if (d.length === 4 && d.every(Number.isFinite) && d[0] < d[1] && d[2] < d[3]) {
      st.surface.domain = [[d[0], d[1]], [d[2], d[3]]];
    }
  } else if (p.get("s")) {
    const s = decodeEntry(cat.surface, p.get("s"));
    if (s) st.surface = { name: s.name, params: { ...paramDefaults(cat.surface.get(s.name)), ...s.values } };
  }
  if (st.surface.name && !p.get("start")) {
    const suggested = cat.surface.get(st.surface.name)?.starts?.[0];
    if (suggested && st.surface.name !== DEFAULT_RACE.surface.name) st.starts = [suggested.slice()];
  }

  const lanes = p.getAll("o").map((t) => decodeLane(cat, t)).filter(Boolean).slice(0, MAX_LANES);
  if (lanes.length) st.lanes = lanes;

  const starts = p.getAll("start").map((t) => t.split(",").map(Number))
    .filter((xy) => xy.length === 2 && xy.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6))
    .slice(0, MAX_STARTS);
  if (starts.length) st.starts = starts;

  st.steps = num(p.get("steps"), st.steps, { int: true, low: 1, high: MAX_STEPS });
  st.seed = num(p.get("seed"), 0, { int: true, low: 0, high: 2 ** 32 - 1 });
  if (p.get("sigma") !== null) {
    st.noise = { ...st.noise, mode: "sigma", sigma: num(p.get("sigma"), 0.1, { low: 0, high: 1000 }) };
  } else if (p.get("batch") !== null) {
    st.noise = { ...st.noise, mode: "batch", batch: num(p.get("batch"), 8, { int: true, low: 1, high: 100000 }) };
  }
  st.view = p.get("view") === "3d" ? "3d" : "2d";
  st.logy = p.get("logy") !== "0";
  st.tab = p.get("tab") === "basins" ? "basins" : "race";
  st.lane = num(p.get("lane"), 0, { int: true, low: 0, high: MAX_LANES * MAX_STARTS - 1 });
  st.speed = num(p.get("speed"), 1, { low: 0.1, high: 10 });
  st.theme = p.get("theme") === "dark" ? "dark" : "light";
  st.projector = p.get("proj") === "1";
  st.lesson = p.get("lesson") === "1";
  st.hide = (p.get("hide") ?? "").split(",").filter((h) => HIDEABLE.includes(h));
  return st;
}

/** Whether every start lies inside a domain [[x0, x1], [y0, y1]]. */
export function inDomainAll(starts, domain) {
  if (!domain) return true;
  return starts.every(([x, y]) => x >= domain[0][0] && x <= domain[0][1] && y >= domain[1][0] && y <= domain[1][1]);
}
