import assert from "node:assert/strict";
import { test } from "node:test";

import { RunBuffer } from "../../static/js/buffer.js";
import { laneColor } from "../../static/js/colors.js";
import { setLang } from "../../static/js/i18n.js";
import { stateFromRequest } from "../../static/js/requests.js";
import {
  addGuess, codeFromPath, cursorOf, distanceTable, endpoints, errorMessage, guessMarks, laneCount, lanePlan,
  leaderboardRows, metaFor, nextLane, normalCode, parseStored, phaseView, pickLang, storageKey,
  tryRequest,
} from "../../static/js/session/student_logic.js";
import { defaultState, indexCatalog } from "../../static/js/state.js";
import catalog from "./fixtures/catalog.json" with { type: "json" };

const cat = indexCatalog(catalog);
const RUN = { kind: "surface", surface: { name: "rosenbrock" },
  optimizers: [{ name: "sgd", params: { lr: 0.001 } }, { name: "adam", params: { lr: 0.05 } }],
  starts: [[-1.5, 2], [0.5, -0.5]], steps: 300 };

test("join codes are upper-cased, stripped of spaces and checked against the alphabet", () => {
  assert.equal(normalCode("k7qm2x"), "K7QM2X");
  assert.equal(normalCode(" k7q m2x "), "K7QM2X");
  assert.equal(normalCode("K7Q-M2X"), "K7QM2X");
  assert.equal(normalCode("K7QM2"), null); // too short
  assert.equal(normalCode("K7QM2X9"), null); // too long
  assert.equal(normalCode("K0QM2X"), null); // 0 is not in the alphabet
  assert.equal(normalCode("KIQM2X"), null); // nor I
  assert.equal(normalCode(null), null);
  assert.equal(codeFromPath("/join/k7qm2x"), "K7QM2X");
  assert.equal(codeFromPath("/join/K7QM2X/"), "K7QM2X");
  assert.equal(codeFromPath("/join"), null);
  assert.equal(codeFromPath("/join/"), null);
  assert.equal(codeFromPath("/join/<script>"), null);
});

test("the language comes from ?lang, else the browser", () => {
  assert.equal(pickLang("?lang=ko", "en-US"), "ko");
  assert.equal(pickLang("?lang=en", "ko-KR"), "en");
  assert.equal(pickLang("?lang=fr", "ko-KR"), "ko");
  assert.equal(pickLang("", "de"), "en");
  assert.equal(pickLang("", undefined), "en");
});

test("a stored join is read back only when it has a token and an id", () => {
  assert.equal(storageKey("K7QM2X"), "descentlab.join.K7QM2X");
  const rec = { student_id: "s1", student_token: "tok", name: "Ann" };
  assert.deepEqual(parseStored(JSON.stringify(rec)), rec);
  assert.equal(parseStored(null), null);
  assert.equal(parseStored("{bad json"), null);
  assert.equal(parseStored(JSON.stringify({ student_id: "s1" })), null);
  assert.equal(parseStored(JSON.stringify({ student_id: "s1", student_token: "" })), null);
});

test("lanes are optimizers × starts, optimizer-major, with labels and the optimizer's colour", () => {
  setLang("en");
  assert.equal(laneCount(RUN), 4);
  assert.equal(laneCount(null), 0);
  assert.deepEqual(metaFor(RUN).lanes.map((l) => [l.optimizer, l.start]), [[0, 0], [0, 1], [1, 0], [1, 1]]);
  const state = stateFromRequest(cat, RUN, defaultState(cat));
  const lanes = lanePlan(cat, state, RUN);
  assert.deepEqual(lanes.map((l) => l.label), ["SGD · lr 0.001 · #1", "SGD · lr 0.001 · #2", "Adam · lr 0.05 · #1", "Adam · lr 0.05 · #2"]);
  assert.deepEqual(lanes.map((l) => l.color), [laneColor(0), laneColor(0), laneColor(1), laneColor(1)]);
  const one = { ...RUN, starts: [[-1.5, 2]] };
  assert.deepEqual(lanePlan(cat, stateFromRequest(cat, one, defaultState(cat)), one).map((l) => l.label),
    ["SGD · lr 0.001", "Adam · lr 0.05"]);
});

test("guesses are placed in lane order, one per lane, and drawn in their lane's colour", () => {
  let g = [];
  assert.equal(nextLane(g, 2), 0);
  g = addGuess(g, [1, 2], 2);
  assert.equal(nextLane(g, 2), 1);
  g = addGuess(g, [3, 4], 2);
  assert.equal(nextLane(g, 2), null);
  assert.deepEqual(addGuess(g, [5, 6], 2), g); // full: no third
  assert.deepEqual(addGuess([], [NaN, 1], 2), []);
  const marks = guessMarks(g, [{ color: "#E69F00", label: "SGD" }, { color: "#56B4E9", label: "Adam" }]);
  assert.deepEqual(marks, [{ xy: [1, 2], color: "#E69F00", label: "SGD" }, { xy: [3, 4], color: "#56B4E9", label: "Adam" }]);
});

test("each phase shows only what it may: no paths in predict, the playhead clamps the race", () => {
  const at = (phase, step, run = RUN) => phaseView({ phase, run, position: step === null ? null : { step, playing: false } }, 300);
  const watch = at("watch", 120);
  assert.equal(watch.paths, true);
  assert.equal(watch.cursor, 120);
  assert.equal(watch.shownAll, false);
  assert.equal(watch.guessing, false);
  const predict = at("predict", 300);
  assert.equal(predict.paths, false);
  assert.equal(predict.guessing, true);
  assert.equal(predict.mine, true);
  const reveal = at("reveal", 9999);
  assert.equal(reveal.cursor, 300);
  assert.equal(reveal.shownAll, true);
  assert.equal(at("reveal", 299).shownAll, false);
  assert.equal(at("watch", null).cursor, 0); // no position yet: only the starts
  assert.equal(at("try", 300).tryForm, true);
  assert.equal(at("try", 300).paths, false);
  const none = at("predict", 0, null);
  assert.equal(none.guessing, false);
  assert.equal(none.prompt, "join.prompt.wait");
  assert.equal(phaseView({ phase: "nonsense", run: RUN }, 300).phase, "watch");
  assert.equal(cursorOf({ position: { step: -5 } }, 300), 0);
  assert.equal(cursorOf({ position: { step: 12.7 } }, 300), 12);
});

test("the distance table pairs each guess with its lane's last finite point", () => {
  const meta = { steps: 2, n_lanes: 2, lanes: [{ lane: 0, optimizer: 0, start: 0 }, { lane: 1, optimizer: 1, start: 0 }], starts: [[0, 0]] };
  const buffer = RunBuffer.fromResult({ meta, arrays: { xy: [[[0, 0], [0, 0]], [[1, 0], [2, 2]], [[3, 4], null]] }, summary: [] });
  const ends = endpoints(buffer);
  assert.deepEqual(ends, [[3, 4], [2, 2]]);
  const lanes = [{ label: "a" }, { label: "b" }];
  const rows = distanceTable([[0, 0], [2, 3]], ends, lanes);
  assert.equal(rows[0].dist, 5);
  assert.equal(rows[1].dist, 1);
  assert.equal(rows[1].lane.label, "b");
  assert.equal(distanceTable([[0, 0]], [null], lanes)[0].dist, null);
  assert.deepEqual(endpoints(null), []);
});

test("a try's request is checked before it is sent", () => {
  setLang("en");
  const sgd = cat.optimizer.get("sgd");
  const adam = cat.optimizer.get("adam");
  const limits = { steps: 500, optimizers: 1 };
  assert.deepEqual(tryRequest(sgd, { lr: "0.01", momentum: "0.9", steps: "200" }, limits).body,
    { optimizers: [{ name: "sgd", params: { lr: 0.01, momentum: 0.9 } }], steps: 200 });
  assert.deepEqual(tryRequest(adam, { lr: "0.1", momentum: "0.9", steps: "50" }, limits).body,
    { optimizers: [{ name: "adam", params: { lr: 0.1 } }], steps: 50 }); // Adam has no momentum parameter
  assert.equal(tryRequest(sgd, { lr: "-1", steps: "10" }, limits).error, "join.try.badLr");
  assert.equal(tryRequest(sgd, { lr: "abc", steps: "10" }, limits).error, "join.try.badLr");
  assert.equal(tryRequest(sgd, { lr: "100", steps: "10" }, limits).error, "join.try.lrRange");
  assert.equal(tryRequest(sgd, { lr: "0.1", momentum: "2", steps: "10" }, limits).error, "join.try.badMomentum");
  assert.equal(tryRequest(sgd, { lr: "0.1", steps: "501" }, limits).error, "join.try.badSteps");
  assert.equal(tryRequest(sgd, { lr: "0.1", steps: "1.5" }, limits).error, "join.try.badSteps");
  assert.equal(tryRequest(null, { lr: "0.1", steps: "5" }, limits).error, "join.try.badOptimizer");
});

test("leaderboard rows keep names as plain strings and mark the student's own tries", () => {
  setLang("en");
  const board = { round: 1, tries: 2, entries: [
    { rank: 1, student_id: "a", name: "<img src=x onerror=alert(1)>", optimizer: "adam", lr: 0.05, final_loss: 1.23456e-5, diverged: false },
    { rank: 2, student_id: "b", name: "Bo", optimizer: "sgd", lr: 2, final_loss: null, diverged: true },
  ] };
  const rows = leaderboardRows(board, "b");
  assert.equal(rows[0].name, "<img src=x onerror=alert(1)>");
  assert.equal(rows[0].mine, false);
  assert.equal(rows[1].mine, true);
  assert.equal(rows[1].loss, "diverged");
  assert.equal(rows[0].what, "adam · lr 0.05");
  assert.deepEqual(leaderboardRows(null, "a"), []);
});

test("failed requests read as messages; 429 says how long to wait", () => {
  setLang("en");
  assert.match(errorMessage({ status: 409 }, "guesses"), /Guesses are closed/);
  assert.match(errorMessage({ status: 409 }, "tries"), /Tries are closed/);
  assert.match(errorMessage({ status: 429, retryAfter: 2.2 }), /wait 3 s/);
  assert.match(errorMessage({ status: 422, message: "guesses.0.1: not finite" }), /guesses\.0\.1/);
  assert.match(errorMessage({ status: 0 }), /Cannot reach/);
  setLang("ko");
  assert.match(errorMessage({ status: 429, retryAfter: 1 }), /1초/);
  setLang("en");
});
