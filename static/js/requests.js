// The API request bodies built from the dashboard state, and a state built back from a
// run request (a lesson preset or an exported run's config). Pure: no DOM.

import { cleanParams, paramDefaults } from "./params.js";
import { makeLane, MAX_LANES, MAX_STARTS, MAX_STEPS } from "./state.js";

/** The API's `surface` object for a state. */
export function surfaceRef(state) {
  const s = state.surface;
  if (s.formula !== undefined && s.formula !== null) {
    return s.domain ? { formula: s.formula, domain: s.domain } : { formula: s.formula };
  }
  const params = cleanParams(s.params);
  return Object.keys(params).length ? { name: s.name, params } : { name: s.name };
}

export function optimizerSpecs(state) {
  return state.lanes.map((l) => ({
    name: l.name,
    params: cleanParams(l.params),
    schedule: l.schedule ? { name: l.schedule.name, params: cleanParams(l.schedule.params) } : null,
    clip_norm: l.clip ?? null,
  }));
}

export function noiseSpec(state) {
  const n = state.noise;
  if (n.mode === "sigma") return { sigma: n.sigma };
  if (n.mode === "batch") return { batch_size: n.batch };
  return { sigma: 0 };
}

/** The body of POST /api/runs. */
export function runRequest(state) {
  return { kind: "surface", surface: surfaceRef(state), optimizers: optimizerSpecs(state),
    starts: state.starts.map((p) => [p[0], p[1]]), steps: state.steps, noise: noiseSpec(state),
    seed: state.seed };
}

/** The body of POST /api/basins. */
export function basinRequest(state, n = 80, steps = 300) {
  return { surface: surfaceRef(state), optimizers: optimizerSpecs(state), n, steps,
    noise: noiseSpec(state), seed: state.seed };
}


/**
 * A state from a run request (a lesson preset's config, or an exported run's config); the
 * view settings (language, theme, …) are kept from `base`.
 */
export function stateFromRequest(cat, req, base) {
  const st = { ...base, noise: { ...base.noise } };
  const s = req.surface ?? {};
  if (s.formula) st.surface = { formula: String(s.formula).slice(0, 500), domain: s.domain ?? null };
  else if (cat.surface.has(s.name)) {
    st.surface = { name: s.name, params: { ...paramDefaults(cat.surface.get(s.name)), ...(s.params ?? {}) } };
  }
  const lanes = (req.optimizers ?? []).map((o) => makeLane(cat, o.name, o.params ?? {}, o.schedule ?? null, o.clip_norm ?? null))
    .filter(Boolean).slice(0, MAX_LANES);
  if (lanes.length) st.lanes = lanes;
  const starts = (req.starts ?? []).filter((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isFinite));
  if (starts.length) st.starts = starts.slice(0, MAX_STARTS).map((p) => p.slice());
  if (Number.isInteger(req.steps)) st.steps = Math.min(MAX_STEPS, Math.max(1, req.steps));
  if (Number.isInteger(req.seed)) st.seed = req.seed;
  const n = req.noise ?? {};
  if (n.batch_size) st.noise = { ...st.noise, mode: "batch", batch: n.batch_size };
  else if (n.sigma) st.noise = { ...st.noise, mode: "sigma", sigma: n.sigma };
  else st.noise = { ...st.noise, mode: "none" };
  st.lane = 0;
  return st;
}
