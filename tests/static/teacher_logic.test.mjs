import assert from "node:assert/strict";
import { test } from "node:test";

import {
  counters, hidesRace, isLoopbackHost, leaderboardRows, normalCode, parseStored, poolToDraw, PositionPacer,
  resultsFilename, showsPool, stableJson, viewOf,
} from "../../static/js/session/teacher_logic.js";

test("phases: predict hides the race, predict and reveal show the pool", () => {
  assert.equal(hidesRace("predict"), true);
  for (const p of ["watch", "reveal", "try"]) assert.equal(hidesRace(p), false);
  assert.deepEqual(["watch", "predict", "reveal", "try"].map(showsPool), [false, true, true, false]);
});

test("codes are read case-insensitively from the unambiguous alphabet", () => {
  assert.equal(normalCode("k7qm2x"), "K7QM2X");
  assert.equal(normalCode(" K7Q-M2X "), "K7QM2X");
  assert.equal(normalCode("K7QM2O"), null); // O is not in the alphabet
  assert.equal(normalCode("K7QM2"), null);
  assert.equal(normalCode(null), null);
});

test("the view pushed holds only the view settings", () => {
  assert.deepEqual(viewOf({ lang: "ko", theme: "dark", projector: true, view: "2d", logy: false, lanes: [], steps: 3 }),
    { lang: "ko", theme: "dark", projector: true, view: "2d", logy: false });
});

test("stable JSON ignores key order and undefined", () => {
  assert.equal(stableJson({ b: 1, a: [1, { d: 2, c: undefined }] }), stableJson({ a: [1, { d: 2 }], b: 1 }));
  assert.notEqual(stableJson({ a: 1 }), stableJson({ a: 2 }));
  assert.equal(stableJson(null), "null");
});

test("a stored session is read back only when whole", () => {
  const ok = JSON.stringify({ code: "k7qm2x", teacher_token: "tok", join_url: "http://h/join/K7QM2X" });
  assert.deepEqual(parseStored(ok), { code: "K7QM2X", teacher_token: "tok", join_url: "http://h/join/K7QM2X" });
  assert.equal(parseStored("{"), null);
  assert.equal(parseStored(null), null);
  assert.equal(parseStored(JSON.stringify({ code: "K7QM2X" })), null);
  assert.equal(parseStored(JSON.stringify({ code: "bad", teacher_token: "t" })), null);
  assert.equal(parseStored(JSON.stringify({ code: "K7QM2X", teacher_token: "t" })).join_url, "");
});

test("loopback hosts are recognised", () => {
  for (const h of ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "::1", "127.1.2.3", "app.localhost", "0.0.0.0"]) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ["192.168.1.20", "10.0.0.5", "descentlab.school.kr", "1270.0.0.1"]) assert.equal(isLoopbackHost(h), false, h);
});

test("the position pacer sends at most every 250 ms while playing, at once otherwise", () => {
  const p = new PositionPacer(250);
  assert.deepEqual(p.update({ step: 0, playing: false }, 0), { step: 0, playing: false });
  assert.equal(p.update({ step: 0, playing: false }, 10), null); // unchanged
  assert.deepEqual(p.update({ step: 0, playing: true }, 20), { step: 0, playing: true }); // play: at once
  assert.equal(p.update({ step: 5, playing: true }, 100), null); // too soon
  assert.equal(p.update({ step: 9, playing: true }, 200), null);
  assert.deepEqual(p.update({ step: 14, playing: true }, 270), { step: 14, playing: true });
  assert.deepEqual(p.update({ step: 15, playing: false }, 280), { step: 15, playing: false }); // pause: at once
  assert.deepEqual(p.update({ step: 100, playing: false }, 290), { step: 100, playing: false }); // seek: at once
  let sent = 0;
  for (let now = 300; now < 1300; now += 16) if (p.update({ step: now, playing: true }, now)) sent += 1;
  assert.ok(sent <= 5, `${sent} pushes in one second`);
  p.reset();
  assert.ok(p.update({ step: 1300, playing: true }, 1301));
});

test("leaderboard rows are plain strings, names kept as given (shown as text)", () => {
  const board = { round: 1, tries: 3, entries: [
    { rank: 1, student_id: "a", name: "<img src=x onerror=alert(1)>", optimizer: "adam", lr: 0.05, final_loss: 1.5e-9, converged_at: 40, diverged: false, try_id: "t1" },
    { rank: 2, student_id: "b", name: "Min", optimizer: "sgd", lr: 0.1, final_loss: null, converged_at: null, diverged: true, try_id: "t2" },
    { student_id: "c", name: "Lee", optimizer: "rmsprop", lr: "x", final_loss: null, diverged: false },
  ] };
  const rows = leaderboardRows(board, (n) => n.toUpperCase(), (x) => x.toPrecision(2));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], { rank: "1", name: "<img src=x onerror=alert(1)>", optimizer: "ADAM", lr: "0.050", loss: "1.5e-9", diverged: false, key: "t1" });
  assert.equal(rows[1].loss, null);
  assert.equal(rows[1].diverged, true);
  assert.equal(rows[2].rank, "3");
  assert.equal(rows[2].lr, "\u2014");
  assert.equal(rows[2].loss, "\u2014");
  assert.deepEqual(leaderboardRows(null), []);
  assert.equal(leaderboardRows(board, undefined, undefined, 1).length, 1);
});

test("counters default to zero", () => {
  assert.deepEqual(counters({ students: 3, guessed: 2, tries: 1 }), { students: 3, guessed: 2, tries: 1 });
  assert.deepEqual(counters(null), { students: 0, guessed: 0, tries: 0 });
});

test("the pool is drawn only in predict and reveal, and for the current round", () => {
  const pool = { round: 2 };
  assert.equal(poolToDraw("predict", { round: 2 }, pool), pool);
  assert.equal(poolToDraw("reveal", { round: 2 }, pool), pool);
  assert.equal(poolToDraw("watch", { round: 2 }, pool), null);
  assert.equal(poolToDraw("predict", { round: 3 }, pool), null);
  assert.equal(poolToDraw("predict", { round: 2 }, null), null);
});

test("results file name", () => {
  assert.equal(resultsFilename("k7qm2x"), "descentlab-class-K7QM2X.csv");
  assert.equal(resultsFilename("?"), "descentlab-class-session.csv");
});

test("the learning rate may have its own format", () => {
  const rows = leaderboardRows({ entries: [{ rank: 1, name: "a", optimizer: "sgd", lr: 0.12345, final_loss: 0.5 }] },
    undefined, (x) => `L${x}`, 20, (x) => `R${x}`);
  assert.equal(rows[0].lr, "R0.12345");
  assert.equal(rows[0].loss, "L0.5");
});
