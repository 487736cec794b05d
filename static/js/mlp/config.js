// The MLP view's settings (state.mlp): defaults from the catalog, the losses that fit a
// dataset, the POST /api/runs body, and a rough cost estimate. Pure: no DOM.
//
// state.mlp = {dataset: {name, params}, model: {hidden, activation, init, dropout, batch_norm,
//   bn_momentum, bn_eps},
//   training: {loss, batch_size (a number or "full"), epochs, l1, l2},
//   es: null | {patience, restore_best, min_delta}, lanes: [lane], seed,
//   grid: null | [i, j] (the two features a boundary of wider data is drawn over)}
// An uploaded CSV is a dataset named upload-<id> (./uploads.js puts them in cat.dataset).

import { makeLane } from "../lane.js";
import { cleanParams, paramDefaults } from "../params.js";
import { checkPick, datasetFromRequest, datasetRequest } from "./uploads.js";

export const MLP_MAX_LANES = 8;
export const DEFAULT_DATASET = "moons";

/** The three optimizers the MLP view opens with. */
export const DEFAULT_MLP_LANES = [
  { name: "sgd", params: { lr: 0.1 } },
  { name: "sgd", params: { lr: 0.05, momentum: 0.9 } },
  { name: "adam", params: { lr: 0.01 } },
];

/** Used when the catalog has no MLP settings (e.g. an older server or a test slice). */
const FALLBACK = {
  model: { hidden: [16, 16], activation: "relu", init: "he_normal", dropout: 0, batch_norm: false, bn_momentum: 0.1, bn_eps: 1e-5 },
  training: { loss: "cross_entropy", batch_size: 32, epochs: 100, l1: 0, l2: 0 },
  early_stopping: { patience: 10, restore_best: true, min_delta: 0 },
};

/** {name: default} of an mlp_setting entry (model, training, early_stopping). */
export function settingDefaults(cat, entry) {
  const e = cat.mlp_setting?.get(entry);
  return e ? { ...FALLBACK[entry], ...paramDefaults(e) } : structuredClone(FALLBACK[entry]);
}

/** The parameter specs of an mlp_setting entry (empty if the catalog has none). */
export function settingSpecs(cat, entry) {
  return cat.mlp_setting?.get(entry)?.params ?? [];
}

/** A lane of the MLP view (reduce-on-plateau allowed). */
export function makeMlpLane(cat, name, params = {}, schedule = null, clip = null) {
  return makeLane(cat, name, params, schedule, clip, { mlp: true });
}

/** The dataset's task (binary, multiclass, regression); moons's when unknown. */
export function taskOf(cat, name) {
  return cat.dataset?.get(name)?.task ?? (["sine", "plane"].includes(name) ? "regression" : "binary");
}

/** Losses that fit a task (all of them when the catalog does not say). */
export function lossesFor(cat, task) {
  const all = [...(cat.loss?.values() ?? [])];
  return all.filter((e) => !e.tasks || e.tasks.includes(task));
}

/** `loss` if it fits the task, else the usual one (cross-entropy, or MSE for regression). */
export function fitLoss(cat, task, loss) {
  const ok = lossesFor(cat, task).map((e) => e.name);
  if (ok.includes(loss) || (!ok.length && loss)) return loss;
  return task === "regression" ? "mse" : "cross_entropy";
}

/** A dataset with all of its parameters (the catalog's defaults, then `params`). */
export function makeDataset(cat, name, params = {}) {
  const entry = cat.dataset?.get(name);
  const out = { name, params: { ...paramDefaults(entry) } };
  for (const [k, v] of Object.entries(params)) if (!entry || k in out.params) out.params[k] = v;
  return out;
}

/** A dataset's `suggested` settings (the catalog's), split into model and training keys. */
export function suggestedFor(cat, name) {
  const sug = cat.dataset?.get(name)?.suggested ?? {};
  const out = { model: {}, training: {} };
  for (const [k, v] of Object.entries(sug)) {
    if (k in FALLBACK.model) out.model[k] = structuredClone(v);
    else if (k in FALLBACK.training) out.training[k] = structuredClone(v);
  }
  return out;
}

/**
 * The model and training settings a dataset starts from: the general defaults with the
 * dataset's suggestions on top (sine: tanh and Xavier, which every default lane trains),
 * the loss fitted to its task. The URL stores what differs from these.
 */
export function datasetBase(cat, name) {
  const sug = suggestedFor(cat, name);
  const model = { ...settingDefaults(cat, "model"), ...sug.model };
  const training = { ...settingDefaults(cat, "training"), ...sug.training };
  training.loss = fitLoss(cat, taskOf(cat, name), training.loss);
  return { model, training };
}

/**
 * Pick dataset `name` in place: settings the old dataset suggested (and nobody changed since)
 * go back to the general defaults, then the new dataset's suggestions apply; the loss becomes
 * the new task's usual one unless it was changed and still fits. Other edits stay.
 */
export function chooseDataset(cat, mlp, name) {
  const old = suggestedFor(cat, mlp.dataset.name);
  const oldLoss = datasetBase(cat, mlp.dataset.name).training.loss;
  const general = { model: settingDefaults(cat, "model"), training: settingDefaults(cat, "training") };
  const next = suggestedFor(cat, name);
  for (const section of ["model", "training"]) {
    for (const [k, v] of Object.entries(old[section])) {
      if (JSON.stringify(mlp[section][k]) === JSON.stringify(v)) mlp[section][k] = structuredClone(general[section][k]);
    }
    Object.assign(mlp[section], next[section]);
  }
  mlp.dataset = makeDataset(cat, name);
  mlp.grid = null; // column numbers of the old data mean nothing in the new
  // the old dataset's usual loss (MSE for sine) gives way to the new one's (cross-entropy)
  const loss = mlp.training.loss === oldLoss ? datasetBase(cat, name).training.loss : mlp.training.loss;
  mlp.training.loss = fitLoss(cat, taskOf(cat, name), loss);
  return mlp;
}

export function defaultMlp(cat, dataset = null) {
  const fallback = cat.dataset?.size && !cat.dataset.has(DEFAULT_DATASET) ? cat.dataset.keys().next().value : DEFAULT_DATASET;
  const name = dataset && (!cat.dataset?.size || cat.dataset.has(dataset)) ? dataset : fallback;
  const { model, training } = datasetBase(cat, name);
  return {
    dataset: makeDataset(cat, name),
    model,
    training,
    es: null,
    lanes: DEFAULT_MLP_LANES.map((l) => makeMlpLane(cat, l.name, l.params)).filter(Boolean),
    seed: 0,
    grid: null,
  };
}

/** The boundary's two features when the dataset has more than two (else null). */
export function gridPick(cat, mlp) {
  return checkPick(mlp.grid, cat.dataset?.get(mlp.dataset.name)?.n_features ?? 2);
}

/** The body of POST /api/runs for the MLP view. */
export function mlpRequest(mlp) {
  const m = mlp.model;
  const t = mlp.training;
  return {
    kind: "mlp",
    dataset: datasetRequest(mlp.dataset, cleanParams),
    model: { hidden: [...m.hidden], activation: m.activation, init: m.init, dropout: m.dropout, batch_norm: m.batch_norm,
      ...(m.batch_norm ? { bn_momentum: m.bn_momentum ?? 0.1, bn_eps: m.bn_eps ?? 1e-5 } : {}) },
    loss: t.loss,
    optimizers: mlp.lanes.map((l) => ({ name: l.name, params: cleanParams(l.params),
      schedule: l.schedule ? { name: l.schedule.name, params: cleanParams(l.schedule.params) } : null,
      clip_norm: l.clip ?? null })),
    batch_size: t.batch_size,
    epochs: t.epochs,
    l1: t.l1,
    l2: t.l2,
    early_stopping: mlp.es ? { ...mlp.es } : null,
    seed: mlp.seed,
    ...(mlp.grid ? { reporting: { grid_features: [...mlp.grid] } } : {}), // only for > 2 features
  };
}

/** An MLP state from a run request (a lesson preset or an exported run's config). */
export function mlpFromRequest(cat, req) {
  const { name, params: dparams } = datasetFromRequest(req.dataset);
  const st = defaultMlp(cat, name); // the dataset's suggestions, then what the request says
  if (name && (!cat.dataset?.size || cat.dataset.has(name))) st.dataset = makeDataset(cat, name, dparams);
  Object.assign(st.model, Object.fromEntries(Object.entries(req.model ?? {}).filter(([k]) => k in st.model)));
  for (const k of Object.keys(st.training)) if (req[k] !== undefined) st.training[k] = req[k];
  st.training.loss = fitLoss(cat, taskOf(cat, st.dataset.name), st.training.loss);
  st.es = req.early_stopping ? { ...settingDefaults(cat, "early_stopping"), ...req.early_stopping } : null;
  const lanes = (req.optimizers ?? []).map((o) => makeMlpLane(cat, o.name, o.params ?? {}, o.schedule ?? null, o.clip_norm ?? null))
    .filter(Boolean).slice(0, MLP_MAX_LANES);
  if (lanes.length) st.lanes = lanes;
  if (Number.isInteger(req.seed)) st.seed = req.seed;
  st.grid = checkPick(req.reporting?.grid_features, cat.dataset?.get(st.dataset.name)?.n_features ?? 2);
  return st;
}

/** Layer sizes [inputs, ...hidden, outputs] as the service will build them (an estimate). */
export function layerSizes(cat, mlp) {
  const entry = cat.dataset?.get(mlp.dataset.name);
  const task = taskOf(cat, mlp.dataset.name);
  const features = entry?.n_features ?? 2;
  const classes = mlp.dataset.params?.n_classes ?? entry?.n_classes ?? (entry?.real ? 10 : 2);
  const oneUnit = ["binary_cross_entropy", "hinge", "squared_hinge"].includes(mlp.training.loss);
  const out = task === "regression" || (task === "binary" && oneUnit) ? 1 : classes;
  return [features, ...mlp.model.hidden, out];
}

/** Training rows, iterations per epoch = ⌈n_train / batch⌉, and weights of a config. */
export function shape(cat, mlp) {
  const p = mlp.dataset.params ?? {};
  const rows = p.n_samples ?? cat.dataset?.get(mlp.dataset.name)?.rows ?? 400;
  const n = Math.max(1, Math.round(rows * (1 - (p.val_fraction ?? 0.2))));
  const bs = mlp.training.batch_size === "full" ? n : Math.min(n, mlp.training.batch_size);
  const sizes = layerSizes(cat, mlp);
  const weights = sizes.slice(1).reduce((a, s, i) => a + (sizes[i] + 1) * s, 0);
  return { n, batch: bs, ipe: Math.ceil(n / bs), sizes, weights };
}

/**
 * Roughly how many seconds the service needs (calibrated on the default: ~0.3 s): work in
 * lanes × epochs × rows × weights plus a per-iteration overhead. Quick re-runs wait for
 * the whole result; longer ones stream, so progress shows.
 */
export function estimateSeconds(cat, mlp) {
  const { n, ipe, weights } = shape(cat, mlp);
  const L = mlp.lanes.length;
  const E = mlp.training.epochs;
  return (L * E * n * weights) / 1.2e8 + (E * ipe * (1 + 0.15 * L)) / 12000;
}
