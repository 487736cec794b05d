import assert from "node:assert/strict";
import { test } from "node:test";

import {
  chooseDataset, datasetBase, defaultMlp, estimateSeconds, fitLoss, lossesFor, mlpFromRequest, mlpRequest, shape,
} from "../../static/js/mlp/config.js";
import { decodeMlp, encodeMlp } from "../../static/js/mlp/url.js";
import { decodeState, defaultState, encodeState, indexCatalog } from "../../static/js/state.js";
import catalog from "./fixtures/mlp_catalog.json" with { type: "json" };
import raceCatalog from "./fixtures/catalog.json" with { type: "json" };

const cat = indexCatalog(catalog);
const params = (q) => new URLSearchParams(q);

test("the default MLP run: moons 400, 2-16-16-2 ReLU/He, cross-entropy, batch 32, 100 epochs, three optimizers", () => {
  const body = mlpRequest(defaultMlp(cat));
  assert.deepEqual(body.dataset, { name: "moons", n_samples: 400, noise: 0.2, val_fraction: 0.2 });
  assert.deepEqual(body.model, { hidden: [16, 16], activation: "relu", init: "he_normal", dropout: 0, batch_norm: false });
  assert.equal(body.loss, "cross_entropy");
  assert.equal(body.batch_size, 32);
  assert.equal(body.epochs, 100);
  assert.equal(body.early_stopping, null);
  assert.deepEqual(body.optimizers.map((o) => [o.name, o.params.lr, o.params.momentum ?? null]),
    [["sgd", 0.1, 0], ["sgd", 0.05, 0.9], ["adam", 0.01, null]]);
  assert.equal(body.kind, "mlp");
});

test("the default is cheap enough to re-run at once; batch 1 streams instead", () => {
  const m = defaultMlp(cat);
  assert.ok(estimateSeconds(cat, m) < 1.2, estimateSeconds(cat, m));
  m.training.batch_size = 1;
  assert.ok(estimateSeconds(cat, m) > 1.2, estimateSeconds(cat, m));
});

test("iterations per epoch = ⌈training samples / batch⌉, and the layer sizes the service builds", () => {
  const m = defaultMlp(cat);
  assert.deepEqual(shape(cat, m), { n: 320, batch: 32, ipe: 10, sizes: [2, 16, 16, 2], weights: 354 });
  m.training.batch_size = 50;
  assert.equal(shape(cat, m).ipe, 7);
  m.training.batch_size = "full";
  assert.equal(shape(cat, m).ipe, 1);
  m.dataset = { name: "gaussians", params: { n_samples: 400, noise: 0.4, n_classes: 4, val_fraction: 0.2 } };
  assert.deepEqual(shape(cat, m).sizes, [2, 16, 16, 4]);
});

test("losses are offered per task, and a dataset change keeps a loss that fits", () => {
  assert.ok(lossesFor(cat, "regression").every((e) => e.tasks.includes("regression")));
  assert.ok(!lossesFor(cat, "multiclass").some((e) => e.name === "hinge"));
  assert.equal(fitLoss(cat, "regression", "cross_entropy"), "mse");
  assert.equal(fitLoss(cat, "multiclass", "hinge"), "cross_entropy");
  assert.equal(fitLoss(cat, "binary", "hinge"), "hinge");
});

test("the URL carries only what differs from the defaults, and reproduces the run", () => {
  const m = defaultMlp(cat);
  m.dataset = { name: "spiral", params: { n_samples: 400, noise: 0.3, n_classes: 3, val_fraction: 0.2 } };
  m.model.hidden = [32, 32, 32];
  m.model.activation = "tanh";
  m.training.batch_size = "full";
  m.training.epochs = 300;
  m.training.l2 = 0.001;
  m.es = { patience: 5, restore_best: true, min_delta: 0 };
  m.lanes[2].schedule = { name: "reduce_on_plateau", params: { factor: 0.5, patience: 3, threshold: 1e-4, cooldown: 0, min_lr: 0, mode: "min", threshold_mode: "rel" } };
  m.seed = 7;
  const pairs = encodeMlp(cat, m, true);
  const q = new URLSearchParams(pairs).toString();
  for (const part of ["d=spiral%3Anoise%3D0.3", "hidden=32_32_32", "activation=tanh", "batch_size=full", "epochs=300",
    "l2=0.001", "es=patience%3D5", "mseed=7", "reduce_on_plateau"]) assert.ok(q.includes(part), `${part} in ${q}`);
  assert.ok(!q.includes("loss="), q); // cross-entropy is the default
  const back = decodeMlp(cat, params(q));
  assert.deepEqual(mlpRequest(back), mlpRequest(m));
});

test("early stopping with all defaults is es=on; an empty hidden list is a linear model", () => {
  const m = defaultMlp(cat);
  m.es = { patience: 10, restore_best: true, min_delta: 0 };
  m.model.hidden = [];
  const q = new URLSearchParams(encodeMlp(cat, m, true)).toString();
  assert.ok(q.includes("es=on"), q);
  const back = decodeMlp(cat, params(q));
  assert.deepEqual(back.es, m.es);
  assert.deepEqual(back.model.hidden, []);
});

test("a race link stays as before: MLP keys only when the MLP tab is open or its settings changed", () => {
  assert.deepEqual(encodeMlp(cat, defaultMlp(cat), false), []);
  const rcat = indexCatalog(raceCatalog);
  assert.ok(!encodeState(rcat, defaultState(rcat)).includes("mo="));
  const st = defaultState(cat);
  st.tab = "mlp";
  const q = encodeState(cat, st);
  assert.match(q, /tab=mlp/);
  assert.ok(!q.includes("s=himmelblau"), q); // the default race is left out of an MLP link
  assert.equal((q.match(/mo=/g) ?? []).length, 3);
  const back = decodeState(cat, q);
  assert.equal(back.tab, "mlp");
  assert.deepEqual(mlpRequest(back.mlp), mlpRequest(st.mlp));
  st.steps = 50; // a changed race stays in the link
  assert.match(encodeState(cat, st), /s=himmelblau.*steps=50.*tab=mlp/);
});

test("bad values in the URL fall back to the defaults", () => {
  const m = decodeMlp(cat, params("d=mnist&hidden=a,b&activation=swish&epochs=-3&batch_size=0&loss=dice&mo=nope&mseed=x"));
  assert.deepEqual(mlpRequest(m), mlpRequest(defaultMlp(cat)));
});

test("a loss that does not fit the dataset in a URL is replaced", () => {
  assert.equal(decodeMlp(cat, params("d=sine")).training.loss, "mse");
  assert.equal(decodeMlp(cat, params("d=sine&loss=mae")).training.loss, "mae");
});

test("a run request (a lesson preset) becomes MLP settings", () => {
  const req = { kind: "mlp", dataset: { name: "circle", noise: 0.05 }, model: { hidden: [4], activation: "sigmoid" },
    loss: "binary_cross_entropy", optimizers: [{ name: "adam", params: { lr: 0.05 } }], batch_size: "full",
    epochs: 50, early_stopping: { patience: 4 }, seed: 3 };
  const m = mlpFromRequest(cat, req);
  const body = mlpRequest(m);
  assert.equal(body.dataset.name, "circle");
  assert.equal(body.dataset.noise, 0.05);
  assert.deepEqual(body.model.hidden, [4]);
  assert.equal(body.model.activation, "sigmoid");
  assert.equal(body.loss, "binary_cross_entropy");
  assert.equal(body.batch_size, "full");
  assert.deepEqual(body.early_stopping, { patience: 4, restore_best: true, min_delta: 0 });
  assert.deepEqual(body.optimizers.map((o) => o.name), ["adam"]);
  assert.equal(body.seed, 3);
});

test("a dataset's suggested settings: sine starts with tanh and Xavier (ReLU + He made SGD blow up)", () => {
  const sine = defaultMlp(cat, "sine");
  assert.equal(sine.model.activation, "tanh");
  assert.equal(sine.model.init, "xavier_uniform");
  assert.equal(sine.training.loss, "mse");
  assert.deepEqual(datasetBase(cat, "moons").model, defaultMlp(cat).model);
  // choosing sine applies its suggestions; choosing moons again undoes only those
  const m = defaultMlp(cat);
  m.model.hidden = [8];
  chooseDataset(cat, m, "sine");
  assert.deepEqual([m.model.activation, m.model.init, m.model.hidden, m.training.loss], ["tanh", "xavier_uniform", [8], "mse"]);
  m.model.init = "he_uniform"; // the teacher's own pick stays
  chooseDataset(cat, m, "moons");
  assert.deepEqual([m.model.activation, m.model.init, m.model.hidden, m.training.loss], ["relu", "he_uniform", [8], "cross_entropy"]);
});

test("the URL of a sine run stores only what differs from sine's own starting settings", () => {
  const m = chooseDataset(cat, defaultMlp(cat), "sine");
  const q = new URLSearchParams(encodeMlp(cat, m, true).map(([k, v]) => [k, String(v)]));
  assert.equal(q.get("activation"), null);
  assert.equal(q.get("init"), null);
  assert.equal(decodeMlp(cat, params("d=sine")).model.activation, "tanh");
  m.model.activation = "relu";
  const back = decodeMlp(cat, new URLSearchParams(encodeMlp(cat, m, true).map(([k, v]) => [k, String(v)])));
  assert.equal(back.model.activation, "relu");
  assert.equal(back.model.init, "xavier_uniform");
  assert.equal(mlpFromRequest(cat, { dataset: { name: "sine" }, model: { hidden: [4] } }).model.activation, "tanh");
});
