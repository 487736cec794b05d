// The teacher's side of a class session, the parts without a browser: phases, what the page
// pushes (view settings, a paced playback position), the stored session, the leaderboard's
// rows, and whether students can reach the page's address. Pure: no DOM, no fetch.

import { normalCode, readRecord } from "./common.js";

export { CODE_ALPHABET, normalCode, PHASES } from "./common.js";
export const STORAGE_KEY = "descentlab.classSession";

/** The view settings the students' pages follow. */
export const VIEW_KEYS = ["lang", "theme", "projector", "view", "logy"];

/** Whether the race is hidden past step 0 (the class is predicting). */
export const hidesRace = (phase) => phase === "predict";

/** Whether the pooled predictions are drawn on the surface. */
export const showsPool = (phase) => phase === "predict" || phase === "reveal";

/** The flat view object pushed to the session. */
export function viewOf(state) {
  const v = {};
  for (const k of VIEW_KEYS) if (state[k] !== undefined) v[k] = state[k];
  return v;
}

/** JSON with object keys sorted: the same request always gives the same text. */
export function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The stored {code, teacher_token, join_url} from its JSON text, or null when unusable. */
export function parseStored(text) {
  const v = readRecord(text);
  const code = normalCode(v?.code);
  if (!code || typeof v.teacher_token !== "string" || !v.teacher_token) return null;
  return { code, teacher_token: v.teacher_token, join_url: typeof v.join_url === "string" ? v.join_url : "" };
}

/** Whether a host name is this machine only (no student's device can reach it). */
export function isLoopbackHost(host) {
  const h = String(host ?? "").toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h)
    || h === "0.0.0.0";
}

/**
 * Paces the playback position pushed to the session: at most one push per `minMs` while
 * playing, at once on pause, play or a seek (a jump while paused). update() returns the
 * position to send now, or null; call it again later (a poll) to send what was held back.
 */
export class PositionPacer {
  constructor(minMs = 250) {
    this.minMs = minMs;
    this.sent = null;
    this.sentAt = -Infinity;
  }

  update(pos, now) {
    const p = { step: Math.max(0, Math.round(pos.step ?? 0)), playing: !!pos.playing };
    const s = this.sent;
    if (s && s.step === p.step && s.playing === p.playing) return null;
    const urgent = !s || s.playing !== p.playing || !p.playing;
    if (!urgent && now - this.sentAt < this.minMs) return null;
    this.sent = p;
    this.sentAt = now;
    return p;
  }

  /** Forget what was sent (a new session, or a failed push): the next update is sent. */
  reset() {
    this.sent = null;
    this.sentAt = -Infinity;
  }
}

/**
 * The leaderboard's rows as plain strings (the view puts them in with textContent only:
 * names may hold HTML). labelOf(optimizer name) → its display name; fmt(number) → text
 * (fmtLr for the learning rate).
 */
export function leaderboardRows(board, labelOf = (n) => n, fmt = (x) => String(x), limit = 20, fmtLr = fmt) {
  const entries = Array.isArray(board?.entries) ? board.entries : [];
  return entries.slice(0, limit).map((e, i) => ({
    rank: String(Number.isInteger(e.rank) ? e.rank : i + 1),
    name: String(e.name ?? ""),
    optimizer: labelOf(String(e.optimizer ?? "")),
    lr: Number.isFinite(e.lr) ? fmtLr(e.lr) : "\u2014",
    loss: e.diverged ? null : Number.isFinite(e.final_loss) ? fmt(e.final_loss) : "\u2014",
    diverged: !!e.diverged,
    key: String(e.try_id ?? `${e.student_id}-${i}`),
  }));
}

/** The counters shown under the code: joined, guessed this round, tries. */
export function counters(state) {
  const n = (v) => (Number.isInteger(v) && v >= 0 ? v : 0);
  return { students: n(state?.students), guessed: n(state?.guessed), tries: n(state?.tries) };
}

/** The pool to draw: only in a phase that shows it and for the round on screen. */
export function poolToDraw(phase, state, pool) {
  if (!showsPool(phase) || !pool) return null;
  if (Number.isInteger(state?.round) && Number.isInteger(pool.round) && pool.round !== state.round) return null;
  return pool;
}

/** A download name for the results: descentlab-class-K7QM2X.csv. */
export function resultsFilename(code) {
  return `descentlab-class-${normalCode(code) ?? "session"}.csv`;
}
