import assert from "node:assert/strict";
import { test } from "node:test";

import { runRequest, stateFromRequest, surfaceRef } from "../../static/js/requests.js";
import {
  addPart, decodeLane, decodeState, defaultState, encodeLane, encodeState, indexCatalog, inDomainAll, makeLane,
  removePart,
} from "../../static/js/state.js";
import catalog from "./fixtures/catalog.json" with { type: "json" };

const cat = indexCatalog(catalog);

function race(st) {
  return runRequest(st);
}

test("the default state is the ready race: Himmelblau, one start, SGD, momentum, RMSprop, Adam", () => {
  const st = defaultState(cat);
  assert.equal(st.surface.name, "himmelblau");
  assert.equal(st.starts.length, 1);
  assert.deepEqual(st.lanes.map((l) => l.name), ["sgd", "sgd", "rmsprop", "adam"]);
  assert.equal(st.lanes[1].params.momentum, 0.9);
  assert.equal(st.lanes[0].params.momentum, 0);
});

test("encode then decode reproduces the exact race and view", () => {
  const st = defaultState(cat);
  st.surface = { name: "ill_conditioned", params: { kappa: 50 } };
  st.lanes = [
    makeLane(cat, "adam", { lr: 0.05, betas: [0.8, 0.99], amsgrad: true }, { name: "cosine", params: { T_max: 200 } }, 2.5),
    makeLane(cat, "sgd", { lr: 0.01, momentum: 0.9, nesterov: true }, { name: "multistep", params: { milestones: [10, 20, 30], gamma: 0.5 } }),
  ];
  st.starts = [[-2.5, 2], [1.25, -0.5]];
  st.steps = 777;
  st.noise = { mode: "batch", sigma: 0.1, batch: 16 };
  st.seed = 42;
  Object.assign(st, { view: "3d", logy: false, lang: "ko", theme: "dark", projector: true, tab: "basins",
    lane: 1, speed: 2, lesson: true, hide: ["controls", "inspector"] });
  const back = decodeState(cat, encodeState(cat, st));
  assert.deepEqual(back, st);
  assert.deepEqual(race(back), race(st));
});

test("a formula surface with its domain survives the URL, including + and spaces", () => {
  const st = defaultState(cat);
  st.surface = { formula: "x**2 + 0.5*y**2 - sin(x + y)", domain: [[-2, 2], [-1.5, 3]] };
  const q = encodeState(cat, st);
  assert.ok(!q.includes(" "), q);
  const back = decodeState(cat, q);
  assert.deepEqual(back.surface, st.surface);
  assert.deepEqual(surfaceRef(back), { formula: "x**2 + 0.5*y**2 - sin(x + y)", domain: [[-2, 2], [-1.5, 3]] });
});

test("the URL lists only non-default parameters and stays readable", () => {
  const q = encodeState(cat, defaultState(cat));
  assert.match(q, /^s=himmelblau&o=sgd:lr=0\.005&o=sgd:lr=0\.005,momentum=0\.9&o=rmsprop:lr=0\.05&o=adam:lr=0\.1&start=0\.5,4\.5&steps=300&seed=0&lang=en$/);
});

test("lanes encode schedules after ~ and clipping as clip=", () => {
  const lane = makeLane(cat, "adam", { lr: 0.1 }, { name: "step", params: { step_size: 50 } }, 1);
  const text = encodeLane(cat, lane);
  assert.equal(text, "adam:lr=0.1,clip=1~step:step_size=50");
  assert.deepEqual(decodeLane(cat, text), lane);
});

test("unknown names, bad values and out-of-range numbers fall back to defaults", () => {
  const st = decodeState(cat, "?s=nosuch&o=nosuch:lr=1&o=adam:lr=99,eps=abc,zzz=1&start=a,b&steps=-5&seed=x&lang=fr&hide=controls,bogus&speed=50");
  const d = defaultState(cat);
  assert.equal(st.surface.name, "himmelblau");
  assert.deepEqual(st.lanes.map((l) => l.name), ["adam"]);
  assert.equal(st.lanes[0].params.lr, 0.001); // 99 is out of range: the default stays
  assert.equal(st.lanes[0].params.eps, 1e-8);
  assert.deepEqual(st.starts, d.starts);
  assert.equal(st.steps, 1);
  assert.equal(st.seed, 0);
  assert.equal(st.lang, "en");
  assert.deepEqual(st.hide, ["controls"]);
  assert.equal(st.speed, 10);
});

test("MLP-only schedules are refused for surface lanes", () => {
  const lane = decodeLane(cat, "sgd:lr=0.1~reduce_on_plateau:patience=3");
  assert.equal(lane.schedule, null);
});

test("a surface without a start in the URL opens on its first suggested start", () => {
  const st = decodeState(cat, "s=rosenbrock");
  assert.deepEqual(st.starts, [catalog.surface.find((s) => s.name === "rosenbrock").starts[0]]);
});

test("runRequest builds the POST /api/runs body", () => {
  const st = defaultState(cat);
  st.noise = { mode: "sigma", sigma: 0.3, batch: 8 };
  const body = runRequest(st);
  assert.equal(body.kind, "surface");
  assert.deepEqual(body.surface, { name: "himmelblau" });
  assert.equal(body.optimizers.length, 4);
  assert.deepEqual(body.optimizers[3], { name: "adam", params: { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, decoupled_weight_decay: false, maximize: false }, schedule: null, clip_norm: null });
  assert.deepEqual(body.noise, { sigma: 0.3 });
  assert.deepEqual(body.starts, [[0.5, 4.5]]);
  st.noise.mode = "batch";
  assert.deepEqual(runRequest(st).noise, { batch_size: 8 });
  st.noise.mode = "none";
  assert.deepEqual(runRequest(st).noise, { sigma: 0 });
});

test("nullable schedule parameters left on auto are not sent", () => {
  const lane = makeLane(cat, "adam", { lr: 0.1 }, { name: "cosine", params: {} });
  const st = { ...defaultState(cat), lanes: [lane] };
  assert.deepEqual(runRequest(st).optimizers[0].schedule, { name: "cosine", params: { eta_min: 0 } });
});

test("inDomainAll checks every start against the domain", () => {
  assert.equal(inDomainAll([[0, 0], [1, 1]], [[-2, 2], [-2, 2]]), true);
  assert.equal(inDomainAll([[0, 0], [3, 1]], [[-2, 2], [-2, 2]]), false);
});

test("a run request (a preset or an exported config) becomes a state with the same race", () => {
  const base = { ...defaultState(cat), lang: "ko", theme: "dark" };
  const req = { kind: "surface", surface: { name: "saddle" },
    optimizers: [{ name: "sgd", params: { lr: 0.1, momentum: 0.9 }, schedule: { name: "cosine", params: { T_max: 50 } }, clip_norm: null },
      { name: "adam", params: { lr: 0.05 } }],
    starts: [[-1.5, 0.001]], steps: 120, noise: { sigma: 0.2 }, seed: 7 };
  const st = stateFromRequest(cat, req, base);
  assert.equal(st.lang, "ko");
  assert.equal(st.theme, "dark");
  const body = runRequest(st);
  assert.deepEqual(body.surface, { name: "saddle" });
  assert.deepEqual(body.starts, [[-1.5, 0.001]]);
  assert.equal(body.steps, 120);
  assert.equal(body.seed, 7);
  assert.deepEqual(body.noise, { sigma: 0.2 });
  assert.equal(body.optimizers[0].params.momentum, 0.9);
  assert.deepEqual(body.optimizers[0].schedule, { name: "cosine", params: { T_max: 50, eta_min: 0 } });
  assert.equal(body.optimizers[1].params.lr, 0.05);
});

test("a copied link's step, predict phase and guesses are read back; a race in the URL is seen", async () => {
  const { hasRace } = await import("../../static/js/state.js");
  const st = decodeState(cat, "?preset=local-vs-global-minimum&s=tilted_double_well&step=120&phase=reveal&guess=-1,0.5&guess=0.9,0");
  assert.equal(st.step, 120);
  assert.equal(st.phase, "reveal");
  assert.deepEqual(st.guesses, [[-1, 0.5], [0.9, 0]]);
  assert.equal(st.preset, "local-vs-global-minimum");
  assert.ok(hasRace("?preset=x&s=rosenbrock"));
  assert.ok(!hasRace("?preset=x&lang=ko"));
  const bad = decodeState(cat, "?step=-4&phase=later&guess=1,nope");
  assert.equal(bad.step, 0);
  assert.equal(bad.phase, null);
  assert.deepEqual(bad.guesses, []);
});

test("a copied link's moment (step, phase, guesses) is written as decodeState reads it", async () => {
  const { encodeMoment } = await import("../../static/js/state.js");
  assert.equal(encodeMoment({ step: 0 }), "");
  const tail = encodeMoment({ step: 120, phase: "reveal", guesses: [[-1.23456, 0.5], [0.9, 0]] });
  const st = decodeState(cat, `?s=himmelblau&${tail}`);
  assert.deepEqual([st.step, st.phase, st.guesses], [120, "reveal", [[-1.235, 0.5], [0.9, 0]]]);
  assert.equal(encodeMoment({ step: 5, phase: null, guesses: [[1, 1]] }), "step=5");
});

test("a sequential schedule's parts survive the lane's URL text, milestones and all", () => {
  const parts = [
    { name: "linear", params: { start_factor: 0.1, end_factor: 1, total_iters: 40 } },
    { name: "exponential", params: { gamma: 0.97 } },
  ];
  const lane = makeLane(cat, "adam", { lr: 0.05 }, { name: "sequential", params: { schedulers: parts, milestones: [40] } });
  const text = encodeLane(cat, lane);
  assert.match(text, /~sequential:schedulers=linear\(.*total_iters=40\)\+exponential\(gamma=0\.97\),milestones=40$/);
  assert.deepEqual(decodeLane(cat, text), lane);
  // a part that cannot be chained (a cyclic schedule) drops the whole schedule's parts
  const bad = text.replace("exponential(gamma=0.97)", "cyclic()");
  assert.deepEqual(decodeLane(cat, bad).schedule.params.schedulers, cat.schedule.get("sequential").params[0].default);
});

test("sequential parts are added 50 steps after the last milestone and removed with theirs", () => {
  const p = { schedulers: [{ name: "linear", params: {} }, { name: "cosine", params: {} }], milestones: [30] };
  const more = addPart(p);
  assert.deepEqual(more.milestones, [30, 80]);
  assert.equal(more.schedulers.length, 3);
  assert.deepEqual(p.milestones, [30]); // pure: the old params are untouched
  assert.deepEqual(removePart(more, 1), { schedulers: [more.schedulers[0], more.schedulers[2]], milestones: [80] });
  assert.deepEqual(removePart(more, 0).milestones, [80]);
});
