// The MLP view's settings in the URL, readable and short:
//   ?tab=mlp&d=spiral:noise=0.3&hidden=32_32_32&activation=tanh&batch_size=full&epochs=300
//   &es=patience=5&mo=sgd:lr=0.1&mo=adam:lr=0.01~reduce_on_plateau:patience=3&mseed=1
// Only values that differ from the catalog's defaults (with the dataset's suggestions) are
// written; `mo` lists the lanes.
// Pure: no DOM.

import { decodeEntry, decodeLane, encodeEntry, encodeLane } from "../lane.js";
import { checkParam, paramDefaults, paramToText, parseParam, sameValue } from "../params.js";
import {
  datasetBase, DEFAULT_DATASET, defaultMlp, fitLoss, makeDataset, MLP_MAX_LANES, settingDefaults, settingSpecs, taskOf,
} from "./config.js";
import { checkPick, pickFromText, pickToText } from "./uploads.js";

export { defaultMlp };

const SECTIONS = [["model", "model"], ["training", "training"]];

/**
 * [key, value] pairs for the URL. Written when `force` (the MLP tab is open) or when the
 * settings differ from the defaults, so a race link stays as short as before.
 */
export function encodeMlp(cat, mlp, force = false) {
  if (!mlp) return [];
  const out = [];
  const dEntry = cat.dataset?.get(mlp.dataset.name);
  const dText = dEntry ? encodeEntry(dEntry, mlp.dataset.params, [], paramDefaults(dEntry)) : mlp.dataset.name;
  if (dText !== DEFAULT_DATASET) out.push(["d", dText]);
  const base = datasetBase(cat, mlp.dataset.name); // the defaults with the dataset's suggestions
  for (const [section, entry] of SECTIONS) {
    const defaults = base[section];
    for (const spec of settingSpecs(cat, entry)) {
      const v = mlp[section][spec.name];
      if (v === undefined || sameValue(v, defaults[spec.name])) continue;
      out.push([spec.name, v === "full" ? "full" : paramToText(spec, v)]);
    }
  }
  if (mlp.es) {
    const eEntry = cat.mlp_setting?.get("early_stopping");
    const text = eEntry ? encodeEntry(eEntry, mlp.es, [], settingDefaults(cat, "early_stopping")) : "early_stopping";
    out.push(["es", text.includes(":") ? text.split(/:(.*)/s)[1] : "on"]);
  }
  const lanes = mlp.lanes.map((l) => encodeLane(cat, l));
  const defaultLanes = defaultMlp(cat).lanes.map((l) => encodeLane(cat, l));
  const sameLanes = lanes.length === defaultLanes.length && lanes.every((l, i) => l === defaultLanes[i]);
  if (mlp.seed !== 0) out.push(["mseed", mlp.seed]);
  if (mlp.grid) out.push(["gf", pickToText(mlp.grid)]);
  if (!force && !out.length && sameLanes) return [];
  for (const l of lanes) out.push(["mo", l]);
  return out;
}

/** The MLP settings from URL parameters (a URLSearchParams); anything invalid → default. */
export function decodeMlp(cat, p) {
  const d = p.get("d") && cat.dataset?.size ? decodeEntry(cat.dataset, p.get("d")) : null;
  const st = defaultMlp(cat, d?.name ?? null); // settings not in the URL: the dataset's base
  if (d) st.dataset = makeDataset(cat, d.name, d.values);
  for (const [section, entry] of SECTIONS) {
    for (const spec of settingSpecs(cat, entry)) {
      const text = p.get(spec.name);
      if (text === null) continue;
      if (spec.name === "batch_size" && text === "full") {
        st.training.batch_size = "full";
        continue;
      }
      const v = parseParam(spec, text);
      if (v !== undefined && v !== null && !checkParam(spec, v)) st[section][spec.name] = v;
    }
  }
  // an empty hidden list (a linear model) is written as hidden= and parses as nothing
  if (p.get("hidden") === "") st.model.hidden = [];
  st.training.loss = fitLoss(cat, taskOf(cat, st.dataset.name), st.training.loss);
  const es = p.get("es");
  if (es !== null) {
    st.es = settingDefaults(cat, "early_stopping");
    const eEntry = cat.mlp_setting?.get("early_stopping");
    if (eEntry && es !== "on") Object.assign(st.es, decodeEntry(cat.mlp_setting, `early_stopping:${es}`)?.values ?? {});
  }
  const lanes = p.getAll("mo").map((t) => decodeLane(cat, t, { mlp: true })).filter(Boolean).slice(0, MLP_MAX_LANES);
  if (lanes.length) st.lanes = lanes;
  st.grid = checkPick(pickFromText(p.get("gf")), cat.dataset?.get(st.dataset.name)?.n_features ?? 2);
  const seed = Number(p.get("mseed"));
  if (p.get("mseed") !== null && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32) st.seed = seed;
  return st;
}
