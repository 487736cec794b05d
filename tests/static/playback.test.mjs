import assert from "node:assert/strict";
import { test } from "node:test";

import { Playback, SPEEDS, STEPS_PER_SECOND } from "../../static/js/playback.js";

test("playing advances STEPS_PER_SECOND × speed steps per second", () => {
  const p = new Playback(1);
  p.reset(500);
  p.play();
  p.tick(1000 / 4, 501, true); // a quarter second
  assert.equal(p.cursor, STEPS_PER_SECOND / 4);
  p.setSpeed(10);
  p.tick(100, 501, true);
  assert.equal(p.cursor, STEPS_PER_SECOND / 4 + STEPS_PER_SECOND);
});

test("slow motion at 0.1× moves one step every few frames", () => {
  const p = new Playback(0.1);
  p.reset(100);
  p.play();
  let moves = 0;
  for (let i = 0; i < 60; i++) if (p.tick(1000 / 60, 101, true)) moves++;
  assert.equal(p.cursor, Math.floor(0.1 * STEPS_PER_SECOND));
  assert.equal(moves, p.cursor);
});

test("while streaming the cursor waits at the newest row, then goes on", () => {
  const p = new Playback(10);
  p.reset(300);
  p.play();
  p.tick(200, 21, false);
  assert.equal(p.cursor, 20);
  assert.equal(p.playing, true);
  p.tick(100, 301, false);
  assert.ok(p.cursor > 20);
});

test("a complete run stops at its last step; toggling there restarts from 0", () => {
  const p = new Playback(10);
  p.reset(50);
  p.play();
  for (let i = 0; i < 10; i++) p.tick(200, 51, true);
  assert.equal(p.cursor, 50);
  assert.equal(p.playing, false);
  p.toggle(51);
  assert.equal(p.cursor, 0);
  assert.equal(p.playing, true);
});

test("stepping pauses and stays inside what has arrived", () => {
  const p = new Playback();
  p.reset(100);
  p.play();
  assert.equal(p.step(1, 101), true);
  assert.equal(p.playing, false);
  assert.equal(p.cursor, 1);
  assert.equal(p.step(-5, 101), true);
  assert.equal(p.cursor, 0);
  assert.equal(p.step(-1, 101), false);
  p.seek(1000, 41);
  assert.equal(p.cursor, 40);
});

test("a long frame gap (background tab) does not jump far ahead", () => {
  const p = new Playback(1);
  p.reset(1000);
  p.play();
  p.tick(60_000, 1001, true);
  assert.ok(p.cursor <= STEPS_PER_SECOND * 0.25 + 1);
});

test("speeds go from 0.1× to 10×", () => {
  assert.equal(SPEEDS[0], 0.1);
  assert.equal(SPEEDS.at(-1), 10);
  assert.equal(new Playback(99).speed, 10);
});

test("stopping at the end asks for a redraw even when the step stays the same", () => {
  const p = new Playback(1);
  p.reset(10);
  p.play();
  p.pos = 9.99999999995; // shows step 10 already, not yet at the end
  assert.equal(p.tick(0, 11, false), false);
  assert.equal(p.playing, true);
  assert.equal(p.tick(0, 11, true), true);
  assert.equal(p.playing, false);
  assert.equal(p.cursor, 10);
});

test("playback remembers the furthest step shown, and forgets it for a new run or a rewind", () => {
  const p = new Playback(1);
  p.reset(300);
  assert.equal(p.reached, 0);
  p.play();
  p.tick(250, 301, true);
  p.tick(250, 301, true); // 30 steps at 60 steps/s (a tick counts at most 250 ms)
  assert.equal(p.reached, 30);
  p.seek(10, 301);
  assert.equal(p.cursor, 10);
  assert.equal(p.reached, 30); // stepping back does not un-show what was shown
  p.step(50, 301);
  assert.equal(p.reached, 60);
  p.rewind();
  assert.deepEqual([p.cursor, p.reached, p.playing], [0, 0, false]);
  p.seek(300, 301);
  p.reset(100);
  assert.equal(p.reached, 0);
});
