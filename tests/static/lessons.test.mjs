import assert from "node:assert/strict";
import { test } from "node:test";

import { runRequest } from "../../static/js/requests.js";
import { decodeState, defaultState, encodeState, indexCatalog } from "../../static/js/state.js";
import { presetState } from "../../static/js/ui/lessons.js";
import catalog from "./fixtures/catalog.json" with { type: "json" };

const cat = indexCatalog(catalog);

const PRESET = {
  id: "saddle-demo",
  run: { kind: "surface", surface: { name: "saddle" }, optimizers: [{ name: "sgd", params: { lr: 0.1 } }],
    starts: [[-1.5, 0.001]], steps: 120, noise: { sigma: 0.0 }, seed: 0 },
  view: { tab: "race", log_loss: false, hide: ["starts"], show_3d: true, speed: 2, predict: false },
};

test("a preset's run and view become the state; language and theme stay", () => {
  const base = { ...defaultState(cat), lang: "ko", theme: "dark" };
  const st = presetState(cat, PRESET, base);
  assert.equal(st.lang, "ko");
  assert.equal(st.theme, "dark");
  assert.equal(st.tab, "race");
  assert.equal(st.logy, false);
  assert.equal(st.view, "3d");
  assert.equal(st.speed, 2);
  assert.equal(st.preset, "saddle-demo");
  const body = runRequest(st);
  assert.deepEqual(body.surface, { name: "saddle" });
  assert.equal(body.steps, 120);
});

test("a predict preset opens in 2D (guesses are clicked on the contour plot)", () => {
  const st = presetState(cat, { ...PRESET, view: { ...PRESET.view, predict: true } }, defaultState(cat));
  assert.equal(st.view, "2d");
});

test("the preset id round-trips through the URL; a bad id is dropped", () => {
  const st = { ...defaultState(cat), preset: "warmup-cosine" };
  const q = encodeState(cat, st);
  assert.match(q, /(^|&)preset=warmup-cosine(&|$)/);
  assert.equal(decodeState(cat, q).preset, "warmup-cosine");
  assert.equal(decodeState(cat, "?preset=../../x").preset, null);
  assert.equal(decodeState(cat, "").preset, null);
});
