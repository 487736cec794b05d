// Uploaded datasets (POST /api/datasets) as entries of the catalog's dataset map, so the MLP
// view's picker, its URL, its network-size line and its request treat them as the built-in
// sets: `upload-<id>` in the picker and the URL, {"name": "uploaded", "id", ...} in a run
// request. And the boundary's two features for data with more than two. Pure: no DOM.

import { t } from "../i18n.js";

export const PREFIX = "upload-";

/** Whether a dataset name is an upload's. */
export const isUpload = (name) => typeof name === "string" && name.startsWith(PREFIX);

/** The upload id in a dataset name (null for a built-in set). */
export const uploadId = (name) => (isUpload(name) ? name.slice(PREFIX.length) : null);

const both = (key, vars) => ({ en: t(key, vars, "en"), ko: t(key, vars, "ko") });

/** The parameters an upload takes in a run: the validation share and standardisation. */
export function uploadParams() {
  return [
    { name: "val_fraction", type: "float", default: 0.2, low: 0, high: 0.9, log: false, help: both("upload.help.val") },
    { name: "standardize", type: "bool", default: false, low: null, high: null, log: false, help: both("upload.help.std") },
  ];
}

/** The engine's task of a stored dataset's description (binary, multiclass, regression). */
export function engineTask(info) {
  if (info.task === "regression") return "regression";
  return info.classes.length === 2 ? "binary" : "multiclass";
}

/** A catalog-like dataset entry for an upload's description (GET /api/datasets). */
export function uploadEntry(info) {
  const vars = { rows: info.rows, n: info.features.length, target: info.target,
    k: info.classes.length, classes: info.classes.slice(0, 6).join(", ") + (info.classes.length > 6 ? ", …" : "") };
  const key = info.task === "regression" ? "upload.entryReg" : "upload.entryCls";
  return {
    name: `${PREFIX}${info.id}`,
    label: { en: info.name, ko: info.name },
    help: both(key, vars),
    params: uploadParams(),
    task: engineTask(info),
    n_features: info.features.length,
    n_classes: info.task === "regression" ? 0 : info.classes.length,
    rows: info.rows,
    upload: info,
  };
}

/** Put the uploads into `cat.dataset` (after the built-in sets, newest first), replacing
 * the uploads it held. */
export function addUploads(cat, infos) {
  for (const name of [...cat.dataset.keys()]) if (isUpload(name)) cat.dataset.delete(name);
  for (const info of infos) cat.dataset.set(`${PREFIX}${info.id}`, uploadEntry(info));
  return cat;
}

/** The `dataset` object of a run request for the MLP state's dataset. */
export function datasetRequest(dataset, clean) {
  const id = uploadId(dataset.name);
  if (id === null) return { name: dataset.name, ...clean(dataset.params) };
  const p = dataset.params ?? {};
  return { name: "uploaded", id, val_fraction: p.val_fraction ?? 0.2, standardize: !!p.standardize };
}

/** A run request's dataset (an upload's {"name": "uploaded", "id"}) as the state's name and params. */
export function datasetFromRequest(spec) {
  const { name, ...params } = spec ?? {};
  if (name !== "uploaded") return { name, params };
  const { id, ...rest } = params;
  return { name: `${PREFIX}${id}`, params: rest };
}

/** The boundary's features for a dataset of `n` features: `pick` when it is two different
 * columns below n, else null (no pick: no boundary for data with more than two). */
export function checkPick(pick, n) {
  if (!Array.isArray(pick) || pick.length !== 2 || n <= 2) return null;
  const [i, j] = pick;
  const ok = (k) => Number.isInteger(k) && k >= 0 && k < n;
  return ok(i) && ok(j) && i !== j ? [i, j] : null;
}

/** `2_3` ↔ [2, 3] (the URL's gf=). */
export const pickToText = (pick) => pick.join("_");
export function pickFromText(text) {
  const m = /^(\d{1,4})_(\d{1,4})$/.exec(String(text ?? ""));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** The header line's column names (the delimiter as the server picks it: , ; or tab,
 * whichever occurs most), quotes removed: the label-column choices before an upload. */
export function headerColumns(text) {
  const line = String(text).replace(/^\ufeff/, "").replace(/^[\r\n]+/, "").split(/\r\n|\r|\n/)[0] ?? "";
  const count = (d) => line.split(d).length - 1;
  const delim = [",", ";", "\t"].reduce((best, d) => (count(d) > count(best) ? d : best), ",");
  const out = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"' && !cell.trim()) quoted = true;
    else if (c === delim) { out.push(cell.trim()); cell = ""; } else cell += c;
  }
  out.push(cell.trim());
  return out.filter((c, i) => c || i < out.length - 1);
}
