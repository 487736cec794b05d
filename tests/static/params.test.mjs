import assert from "node:assert/strict";
import { test } from "node:test";

import {
  checkParam, fromSlider, hasSlider, paramDefaults, paramToInput, paramToText, parseParam, toSlider,
} from "../../static/js/params.js";

const lr = { name: "lr", type: "float", default: 0.001, low: 1e-6, high: 10, log: true };
const betas = { name: "betas", type: "pair", default: [0.9, 0.999], low: 0, high: 0.999999, log: false };
const tmax = { name: "T_max", type: "int", default: null, low: 1, high: 1e6, log: false, nullable: true };
const mode = { name: "mode", type: "choice", default: "triangular", choices: ["triangular", "exp_range"] };
const miles = { name: "milestones", type: "int_list", default: [100, 200], low: 0, high: 1e6 };
const flag = { name: "nesterov", type: "bool", default: false };

test("parseParam reads every parameter type from text", () => {
  assert.equal(parseParam(lr, "1e-3"), 0.001);
  assert.equal(parseParam(lr, "abc"), undefined);
  assert.deepEqual(parseParam(betas, "0.8, 0.99"), [0.8, 0.99]);
  assert.deepEqual(parseParam(betas, "0.8_0.99"), [0.8, 0.99]);
  assert.equal(parseParam(betas, "0.8"), undefined);
  assert.equal(parseParam(tmax, ""), null);
  assert.equal(parseParam(tmax, "2.5"), undefined);
  assert.equal(parseParam(mode, "exp_range"), "exp_range");
  assert.equal(parseParam(mode, "nope"), undefined);
  assert.deepEqual(parseParam(miles, "10, 20 30"), [10, 20, 30]);
  assert.equal(parseParam(flag, "1"), true);
  assert.equal(parseParam(flag, "off"), false);
});

test("checkParam names what is wrong", () => {
  assert.equal(checkParam(lr, 0.1), null);
  assert.equal(checkParam(lr, 100).key, "err.range");
  assert.equal(checkParam(lr, 0).key, "err.range");
  assert.equal(checkParam(lr, NaN).key, "err.number");
  assert.equal(checkParam(tmax, null), null);
  assert.equal(checkParam(lr, null).key, "err.required");
  assert.equal(checkParam(betas, [0.9, 1.5]).key, "err.range");
  assert.equal(checkParam({ ...tmax }, 3.5).key, "err.integer");
});

test("text forms for the URL and for inputs", () => {
  assert.equal(paramToText(betas, [0.9, 0.99]), "0.9_0.99");
  assert.equal(paramToText(flag, true), "1");
  assert.equal(paramToInput(betas, [0.9, 0.99]), "0.9, 0.99");
  assert.equal(paramToInput(tmax, null), "");
});

test("log sliders map the ends to the bounds and round-trip to 2 digits", () => {
  assert.equal(toSlider(lr, 1e-6), 0);
  assert.equal(toSlider(lr, 10), 1000);
  assert.equal(fromSlider(lr, 0), 1e-6);
  assert.equal(fromSlider(lr, 1000), 10);
  const mid = fromSlider(lr, toSlider(lr, 0.01));
  assert.ok(Math.abs(mid - 0.01) / 0.01 < 0.05, String(mid));
  assert.equal(hasSlider(lr), true);
  assert.equal(hasSlider(betas), false);
});

test("paramDefaults copies arrays", () => {
  const d = paramDefaults({ params: [betas, lr] });
  assert.deepEqual(d, { betas: [0.9, 0.999], lr: 0.001 });
  d.betas[0] = 0;
  assert.equal(betas.default[0], 0.9);
});
