// The try phase of the student page: the student's own optimizer settings sent as a try,
// the try's path drawn on the session's surface, its final loss and rank, the leaderboard.

import { RunBuffer } from "../buffer.js";
import { t } from "../i18n.js";
import { paramDefaults } from "../params.js";
import { stateFromRequest } from "../requests.js";
import { rateFamily } from "../state.js";
import { sessionApi } from "./student_api.js";
import { errorMessage, lanePlan, momentumSpec, tryRequest } from "./student_logic.js";
import { leaderboard, tryForm, tryResult } from "./student_panels.js";

export class TryPanel {
  constructor(live) {
    this.live = live;
    this.values = null;
    this.busy = false;
    this.msg = null;
    this.result = null;
    this.own = null; // {buffer, lanes, id, run} of the last try
    this.board = null;
    this.seq = 0;
  }

  newRound() {
    this.values = null;
    this.msg = null;
    this.result = null;
    this.own = null;
    this.board = null;
  }

  relang() {
    if (this.own) this.own.lanes = lanePlan(this.live.cat, stateFromRequest(this.live.cat, this.own.run, this.live.base), this.own.run);
  }

  setBoard(board) {
    if (this.live.round !== null && board.round !== undefined && board.round !== this.live.round) return;
    this.board = board;
    this.live.render();
  }

  /** The form's values, first from the teacher's first lane. */
  ensureValues() {
    if (this.values) return this.values;
    const o = this.live.run?.optimizers?.[0] ?? { name: "sgd", params: {} };
    const name = this.live.cat.optimizer.has(o.name) ? o.name : [...this.live.cat.optimizer.keys()][0];
    this.values = this.defaults(name, o.params ?? {});
    return this.values;
  }

  /** Values for optimizer `name`: the surface's suggested rate when it has one. */
  defaults(name, params = {}) {
    const entry = this.live.cat.optimizer.get(name);
    const d = paramDefaults(entry ?? { params: [] });
    const suggested = this.live.plot.info?.suggested_lr?.[rateFamily({ name, params })];
    const limit = this.live.session?.try_limits?.steps ?? 300;
    return {
      name, lr: String(params.lr ?? suggested ?? d.lr ?? 0.01),
      momentum: momentumSpec(entry) ? String(params.momentum ?? d.momentum ?? 0) : "",
      steps: String(Math.min(limit, this.live.run?.steps ?? limit)),
    };
  }

  change(patch) {
    const v = this.ensureValues();
    if (patch.name && patch.name !== v.name) {
      this.values = { ...this.defaults(patch.name), steps: v.steps };
      this.msg = null;
      this.live.render(); // momentum shows or hides
      return;
    }
    Object.assign(v, patch);
  }

  signature() {
    return JSON.stringify(["try", this.values?.name, this.busy, this.msg, this.live.session?.try_limits, this.live.round]);
  }

  form() {
    return tryForm({ cat: this.live.cat, limits: this.live.session?.try_limits, values: this.ensureValues(),
      busy: this.busy, msg: this.msg }, { change: (p) => this.change(p), send: () => this.send() });
  }

  belowSignature() {
    return JSON.stringify(["tb", this.result, this.board, this.live.me.student_id]);
  }

  below() {
    return [tryResult(this.result), leaderboard(this.board, this.live.me.student_id, this.live.cat)];
  }

  race() {
    return this.own;
  }

  async send() {
    const live = this.live;
    const v = this.ensureValues();
    const req = tryRequest(live.cat.optimizer.get(v.name), v, live.session?.try_limits);
    if (req.error) {
      this.msg = { text: t(req.error, req.vars ?? {}), kind: "error" };
      return live.render();
    }
    this.busy = true;
    this.msg = null;
    live.render();
    const seq = ++this.seq;
    try {
      const res = await sessionApi.tries(live.code, live.me.student_token, req.body);
      this.result = res;
      await this.fetchPath(res.run_id, req.body, seq);
    } catch (e) {
      if (e.status === 401 || e.status === 403) return live.onLost("auth");
      this.msg = { text: errorMessage(e, "tries"), kind: "error" };
    } finally {
      this.busy = false;
    }
    return live.render();
  }

  /** The try's path (GET /api/runs/{id}?fields=xy) as a race on the session's surface. */
  async fetchPath(runId, body, seq) {
    const got = await sessionApi.run(runId, ["xy"]);
    if (seq !== this.seq || !got?.result) return;
    const run = { ...this.live.run, ...(got.config ?? {}), optimizers: got.config?.optimizers ?? body.optimizers };
    const state = stateFromRequest(this.live.cat, run, this.live.base);
    this.own = { buffer: RunBuffer.fromResult(got.result), lanes: lanePlan(this.live.cat, state, run), id: seq, run };
  }
}
