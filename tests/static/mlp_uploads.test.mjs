import assert from "node:assert/strict";
import { test } from "node:test";

import { chooseDataset, defaultMlp, gridPick, mlpFromRequest, mlpRequest, shape } from "../../static/js/mlp/config.js";
import { pickedAxes } from "../../static/js/mlp/boundary_fig.js";
import { decodeMlp, encodeMlp } from "../../static/js/mlp/url.js";
import {
  addUploads, checkPick, datasetFromRequest, headerColumns, isUpload, uploadEntry, uploadId,
} from "../../static/js/mlp/uploads.js";
import { indexCatalog } from "../../static/js/state.js";
import catalog from "./fixtures/mlp_catalog.json" with { type: "json" };

const WINE = { id: "abc123def456", name: "wine.csv", rows: 178, n_features: 13, target: "cultivar",
  task: "classification", classes: ["1", "2", "3"], class_counts: [59, 71, 48], bytes: 10_000, created: 1,
  features: ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
    "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines", "proline"] };
const RING = { ...WINE, id: "0000aaaa1111", name: "ring.csv", rows: 100, n_features: 2, features: ["a", "b"],
  target: "label", classes: ["in", "out"], class_counts: [50, 50] };
const REG = { ...RING, id: "regregregreg", name: "line.csv", task: "regression", classes: [], class_counts: [] };

const withUploads = () => addUploads(indexCatalog(catalog), [WINE, RING, REG]);

test("uploads join the dataset map as upload-<id> after the built-in sets, replacing older ones", () => {
  const cat = withUploads();
  const names = [...cat.dataset.keys()];
  assert.deepEqual(names.slice(-3), ["upload-abc123def456", "upload-0000aaaa1111", "upload-regregregreg"]);
  assert.ok(names.includes("moons"));
  addUploads(cat, [RING]);
  assert.deepEqual([...cat.dataset.keys()].filter(isUpload), ["upload-0000aaaa1111"]);
  assert.equal(uploadId("upload-0000aaaa1111"), "0000aaaa1111");
  assert.equal(uploadId("moons"), null);
});

test("an upload's entry: its task, sizes, label and the two parameters a run takes", () => {
  assert.equal(uploadEntry(WINE).task, "multiclass");
  assert.equal(uploadEntry(RING).task, "binary");
  assert.equal(uploadEntry(REG).task, "regression");
  const e = uploadEntry(WINE);
  assert.equal(e.n_features, 13);
  assert.equal(e.n_classes, 3);
  assert.equal(e.label.en, "wine.csv");
  assert.deepEqual(e.params.map((p) => [p.name, p.default]), [["val_fraction", 0.2], ["standardize", false]]);
  assert.match(e.help.en, /178 rows, 13 features; label cultivar: 3 classes \(1, 2, 3\)/);
  assert.ok(e.help.ko.length > 0 && e.help.ko !== e.help.en);
});

test("picking an upload sends {name: uploaded, id, val_fraction, standardize} and sizes the network", () => {
  const cat = withUploads();
  const m = chooseDataset(cat, defaultMlp(cat), "upload-abc123def456");
  m.dataset.params.standardize = true;
  m.dataset.params.val_fraction = 0.25;
  const body = mlpRequest(m);
  assert.deepEqual(body.dataset, { name: "uploaded", id: "abc123def456", val_fraction: 0.25, standardize: true });
  assert.equal(body.loss, "cross_entropy");
  assert.equal(body.reporting, undefined);
  const s = shape(cat, m);
  assert.deepEqual(s.sizes, [13, 16, 16, 3]);
  assert.equal(s.n, Math.round(178 * 0.75));
  const reg = chooseDataset(cat, defaultMlp(cat), "upload-regregregreg");
  assert.equal(mlpRequest(reg).loss, "mse");
  assert.deepEqual(shape(cat, reg).sizes, [2, 16, 16, 1]);
});

test("the boundary's feature pick: only for more than two features, two different columns below n", () => {
  assert.deepEqual(checkPick([2, 3], 13), [2, 3]);
  for (const bad of [[2, 2], [0, 13], [-1, 0], [0], [0, 1, 2], null, [0.5, 1], ["0", "1"]]) assert.equal(checkPick(bad, 13), null, String(bad));
  assert.equal(checkPick([0, 1], 2), null);
  const cat = withUploads();
  const m = chooseDataset(cat, defaultMlp(cat), "upload-abc123def456");
  m.grid = [6, 12];
  assert.deepEqual(mlpRequest(m).reporting, { grid_features: [6, 12] });
  assert.deepEqual(gridPick(cat, m), [6, 12]);
  chooseDataset(cat, m, "upload-0000aaaa1111"); // other data: the columns mean nothing
  assert.equal(m.grid, null);
  assert.equal(mlpRequest(m).reporting, undefined);
});

test("the URL carries an upload and its pick, and reads them back (an unknown upload: the default)", () => {
  const cat = withUploads();
  const m = chooseDataset(cat, defaultMlp(cat), "upload-abc123def456");
  m.dataset.params.standardize = true;
  m.grid = [0, 6];
  const pairs = encodeMlp(cat, m);
  const q = new URLSearchParams(pairs);
  assert.equal(q.get("d"), "upload-abc123def456:standardize=1");
  assert.equal(q.get("gf"), "0_6");
  const back = decodeMlp(cat, q);
  assert.deepEqual(mlpRequest(back), mlpRequest(m));
  const gone = decodeMlp(indexCatalog(catalog), q);
  assert.equal(gone.dataset.name, "moons");
  assert.equal(gone.grid, null);
});

test("a run request's uploaded dataset becomes the state again (an exported run's config)", () => {
  const cat = withUploads();
  assert.deepEqual(datasetFromRequest({ name: "uploaded", id: "x1", standardize: true }),
    { name: "upload-x1", params: { standardize: true } });
  assert.deepEqual(datasetFromRequest({ name: "moons", noise: 0.3 }), { name: "moons", params: { noise: 0.3 } });
  const st = mlpFromRequest(cat, { kind: "mlp", dataset: { name: "uploaded", id: "abc123def456", val_fraction: 0.3,
    standardize: true }, reporting: { grid_features: [2, 3] }, optimizers: [{ name: "adam", params: { lr: 0.01 } }] });
  assert.equal(st.dataset.name, "upload-abc123def456");
  assert.deepEqual(st.dataset.params, { val_fraction: 0.3, standardize: true });
  assert.deepEqual(st.grid, [2, 3]);
});

test("the header's columns (the label choices): , ; or tab, quotes, a BOM, CRLF", () => {
  assert.deepEqual(headerColumns("a,b,label\n1,2,x\n"), ["a", "b", "label"]);
  assert.deepEqual(headerColumns("\ufeffa;b;c\r\n1;2;3"), ["a", "b", "c"]);
  assert.deepEqual(headerColumns("x\ty\n"), ["x", "y"]);
  assert.deepEqual(headerColumns('"a, b", "say ""hi""",c\n'), ["a, b", 'say "hi"', "c"]);
  assert.deepEqual(headerColumns("\n\nonly\n"), ["only"]);
});

test("a boundary over two picked features of wider data names its axes", () => {
  const meta = { feature_names: WINE.features, grid: { x: [0, 1], y: [0, 1], features: [6, 12] } };
  assert.deepEqual(pickedAxes(meta), ["flavanoids", "proline"]);
  assert.deepEqual(pickedAxes({ feature_names: ["x1", "x2"], grid: { x: [0], y: [0], features: [0, 1] } }), [null, null]);
  assert.deepEqual(pickedAxes({ feature_names: WINE.features, grid: null }), [null, null]);
});
