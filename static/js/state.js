// The dashboard's whole state and its URL form (request bodies: requests.js). Pure: no DOM.
// The MLP view's settings live in state.mlp (their URL form: mlp/url.js).
// The URL is readable, e.g.
//   ?s=himmelblau&o=sgd:lr=0.005&o=adam:lr=0.1~cosine:T_max=300&start=0.5,4.5&steps=300
// Lanes are `name:k=v,k=v` (only values that differ from the catalog default), a schedule
// follows `~`, and `clip=…` inside the optimizer part is the gradient-clipping norm (lane.js).

import { plain } from "./format.js";
import { decodeEntry, decodeLane, encodeEntry, encodeLane, makeLane, q } from "./lane.js";
import { decodeMlp, defaultMlp, encodeMlp } from "./mlp/url.js";
import { paramDefaults } from "./params.js";
import { inDomain } from "./surfacemath.js";

export {
  addPart, composite, decodeLane, encodeLane, makeLane, mlpOnly, partNames, raceOnly, removePart,
} from "./lane.js";

export const MAX_LANES = 8;
export const MAX_STARTS = 16;
export const MAX_STEPS = 5000;
export const LANGS = ["en", "ko"];
export const TABS = ["race", "basins", "mlp", "sweep"];
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
    lesson: false, hide: [], lane: 0, mlpLane: 0, speed: 1, preset: null,
    // only in copied links (app.url()): the playback step, the predict phase, the guesses
    step: null, phase: null, guesses: [],
    sweepId: null }; // the Sweep tab's sweep (?sweep=<id>, only with tab=sweep)
}

/** Index a catalog by kind and name. */
export function indexCatalog(catalog) {
  const by = (list) => new Map((list ?? []).map((e) => [e.name, e]));
  return { surface: by(catalog.surface), optimizer: by(catalog.optimizer),
    schedule: by(catalog.schedule), dataset: by(catalog.dataset), loss: by(catalog.loss),
    activation: by(catalog.activation), initializer: by(catalog.initializer),
    mlp_setting: by(catalog.mlp_setting), raw: catalog };
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
    mlp: defaultMlp(cat),
    ...defaultView(),
  };
}

// ------------------------------------------------------------------------------ encode

/** The race's part of the URL: surface, lanes, starts, steps, noise, seed. */
function raceParts(cat, state) {
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
  return out;
}

/**
 * The query string (no leading "?") for a state; view settings only when not default. On
 * the MLP tab the race's part is left out while it is the default race (shorter links).
 */
export function encodeState(cat, state) {
  const race = raceParts(cat, state);
  const out = state.tab === "mlp" && race.join("&") === raceParts(cat, defaultState(cat)).join("&") ? [] : race;
  const d = defaultView();
  if (state.view !== d.view) out.push(q("view", state.view));
  if (state.logy !== d.logy) out.push(q("logy", state.logy ? 1 : 0));
  if (state.tab !== d.tab) out.push(q("tab", state.tab));
  if (state.lane !== d.lane) out.push(q("lane", state.lane));
  for (const [k, v] of encodeMlp(cat, state.mlp, state.tab === "mlp")) out.push(q(k, v));
  if (state.mlpLane !== d.mlpLane) out.push(q("mlane", state.mlpLane));
  if (state.speed !== d.speed) out.push(q("speed", plain(state.speed)));
  if (state.theme !== d.theme) out.push(q("theme", state.theme));
  if (state.projector) out.push(q("proj", 1));
  if (state.lesson) out.push(q("lesson", 1));
  if (state.hide.length) out.push(q("hide", state.hide.join(",")));
  if (state.preset) out.push(q("preset", state.preset));
  if (state.tab === "sweep" && state.sweepId) out.push(q("sweep", state.sweepId)); // the sweep shown (ui/sweep_view.js)
  out.push(q("lang", state.lang));
  return out.join("&");
}

/**
 * What a copied link adds to the state's query (no leading "&"; "" when nothing): the
 * playback step, the predict phase and the class's guesses. decodeState reads them back.
 */
export function encodeMoment({ step = 0, phase = null, guesses = [] }) {
  const out = [];
  if (phase === "reveal") {
    out.push(q("phase", "reveal"));
    for (const g of guesses) out.push(q("guess", g.map((v) => plain(Number(v.toFixed(3)))).join(",")));
  }
  if (step > 0) out.push(q("step", step));
  return out.join("&");
}

// ------------------------------------------------------------------------------ decode

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
  st.tab = TABS.includes(p.get("tab")) ? p.get("tab") : "race";
  st.mlp = decodeMlp(cat, p);
  st.mlpLane = num(p.get("mlane"), 0, { int: true, low: 0, high: MAX_LANES - 1 });
  st.lane = num(p.get("lane"), 0, { int: true, low: 0, high: MAX_LANES * MAX_STARTS - 1 });
  st.speed = num(p.get("speed"), 1, { low: 0.1, high: 10 });
  st.theme = p.get("theme") === "dark" ? "dark" : "light";
  st.projector = p.get("proj") === "1";
  st.lesson = p.get("lesson") === "1";
  st.hide = (p.get("hide") ?? "").split(",").filter((h) => HIDEABLE.includes(h));
  st.preset = /^[a-z0-9][a-z0-9-]{0,59}$/.test(p.get("preset") ?? "") ? p.get("preset") : null;
  st.sweepId = /^[A-Za-z0-9_-]{1,64}$/.test(p.get("sweep") ?? "") ? p.get("sweep") : null;
  // what a copied link adds to the state: the playback step, the predict phase and guesses
  st.step = p.get("step") !== null ? num(p.get("step"), null, { int: true, low: 0, high: MAX_STEPS }) : null;
  st.phase = p.get("phase") === "reveal" ? "reveal" : null;
  st.guesses = p.getAll("guess").map((t) => t.split(",").map(Number))
    .filter((xy) => xy.length === 2 && xy.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6)).slice(0, 64);
  return st;
}

/** Whether a query string describes a race of its own (surface, formula or lanes). */
export function hasRace(query) {
  const p = new URLSearchParams(String(query).replace(/^\?/, ""));
  return ["s", "f", "o"].some((k) => p.get(k) !== null);
}

/** Whether every start lies inside a domain [[x0, x1], [y0, y1]]. */
export function inDomainAll(starts, domain) {
  if (!domain) return true;
  return starts.every((xy) => inDomain(xy, domain));
}

/** The key of a lane in a surface's `suggested_lr`: SGD with momentum is "momentum". */
export function rateFamily(lane) {
  return lane.name === "sgd" && lane.params?.momentum > 0 ? "momentum" : lane.name;
}

/**
 * Each lane's learning rate set to the surface's suggestion for its optimizer family (a
 * catalog entry's `suggested_lr`), in place; lanes without a suggestion keep their rate.
 * Only for a surface switched by the surface control, not for a link or a preset.
 */
export function applySuggestedRates(lanes, suggested) {
  if (!suggested) return;
  for (const lane of lanes) {
    const lr = suggested[rateFamily(lane)];
    if (typeof lr === "number" && Number.isFinite(lr) && lane.params && "lr" in lane.params) lane.params.lr = lr;
  }
}
