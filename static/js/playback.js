// The playback clock: which step is shown, playing or paused, at what speed. Pure: time
// comes in as milliseconds, so tests drive it without a browser.

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4, 10];
export const STEPS_PER_SECOND = 60; // at 1×

export class Playback {
  /** rate: steps per second at 1× (the MLP view replays epochs at its own rate). */
  constructor(speed = 1, rate = STEPS_PER_SECOND) {
    this.rate = rate;
    this.pos = 0; // fractional step
    this.playing = false;
    this.speed = clampSpeed(speed);
    this.total = 0; // last step of the run (steps)
    this.reached = 0; // the furthest step shown of this run: nothing after it may be drawn
  }

  _note() {
    this.reached = Math.max(this.reached, this.cursor);
  }

  /** Forget what was shown: back to step 0 as if the run were new (a new round of guesses). */
  rewind() {
    this.playing = false;
    this.pos = 0;
    this.reached = 0;
  }

  get cursor() {
    return Math.floor(this.pos + 1e-9);
  }

  /** A new run: back to step 0, `total` = the run's step budget. */
  reset(total) {
    this.total = total;
    this.pos = 0;
    this.reached = 0;
  }

  play() {
    this.playing = true;
  }

  pause() {
    this.playing = false;
  }

  /** Toggle; playing from the very end starts again from step 0. */
  toggle(available) {
    if (this.playing) {
      this.pause();
      return;
    }
    if (this.cursor >= this.lastAvailable(available) && this.cursor >= this.total) this.pos = 0;
    this.play();
  }

  lastAvailable(available) {
    return Math.max(0, Math.min(this.total, available - 1));
  }

  /** Move `n` steps (paused), within what has arrived. Returns whether the cursor moved. */
  step(n, available) {
    const before = this.cursor;
    this.playing = false;
    this.pos = Math.min(this.lastAvailable(available), Math.max(0, before + n));
    this._note();
    return this.cursor !== before;
  }

  seek(k, available) {
    const before = this.cursor;
    this.pos = Math.min(this.lastAvailable(available), Math.max(0, Math.round(k)));
    this._note();
    return this.cursor !== before;
  }

  setSpeed(s) {
    this.speed = clampSpeed(s);
  }

  /**
   * Advance by `dtMs` of wall time. `available` rows have arrived; `complete` says whether
   * more will come. Stops at the end of a complete run. Returns whether a redraw is due
   * (the cursor moved, or playback just stopped).
   */
  tick(dtMs, available, complete) {
    if (!this.playing) return false;
    const before = this.cursor;
    const last = this.lastAvailable(available);
    const dt = Math.min(Math.max(dtMs, 0), 250); // a background tab must not jump ahead
    this.pos = Math.min(last, this.pos + (dt / 1000) * this.rate * this.speed);
    this._note();
    if (complete && this.pos >= last - 1e-6) {
      this.pos = last;
      this.playing = false;
      return true; // stopping changes the picture even when the step does not
    }
    return this.cursor !== before;
  }
}

export function clampSpeed(s) {
  const x = Number(s);
  return Number.isFinite(x) ? Math.min(10, Math.max(0.1, x)) : 1;
}

