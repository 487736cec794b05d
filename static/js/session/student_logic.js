// The student page's decisions, apart from the DOM: the join code, the lanes to guess, what a
// session state shows, the guesses' distances, a try's request and error messages.
// Pure: no DOM, no fetch (messages come from i18n.t).

import { laneColor } from "../colors.js";
import { fmt } from "../format.js";
import { t } from "../i18n.js";
import { runLaneLabels } from "../summaries.js";
import { normalCode, PHASES, readRecord } from "./common.js";

const STORE_PREFIX = "descentlab.join.";

export { CODE_ALPHABET, CODE_LENGTH, normalCode, PHASES } from "./common.js";

/** The code in a page path /join/K7QM2X (null for /join or anything else). */
export function codeFromPath(pathname) {
  const m = /^\/join\/([^/?#]+)\/?$/.exec(String(pathname ?? ""));
  return m ? normalCode(decodeURIComponent(m[1])) : null;
}

/** ?lang=ko|en first, else the browser's language. */
export function pickLang(search, navigatorLang) {
  const asked = new URLSearchParams(String(search ?? "").replace(/^\?/, "")).get("lang");
  if (asked === "ko" || asked === "en") return asked;
  return String(navigatorLang ?? "").toLowerCase().startsWith("ko") ? "ko" : "en";
}

export function storageKey(code) {
  return `${STORE_PREFIX}${code}`;
}

/** A stored join record {student_id, student_token, name}, or null when it is not one. */
export function parseStored(text) {
  const v = readRecord(text);
  const ok = v && typeof v.student_token === "string" && v.student_token && typeof v.student_id === "string";
  return ok ? { student_id: v.student_id, student_token: v.student_token, name: String(v.name ?? "") } : null;
}

// ------------------------------------------------------------------------------ lanes

/** Lanes of a run request: optimizers × starts, optimizer-major (the engine's order). */
export function laneCount(run) {
  return (run?.optimizers?.length ?? 0) * (run?.starts?.length ?? 0);
}

/** A race meta's `lanes` part for a run request (what the server would say). */
export function metaFor(run) {
  const starts = run?.starts ?? [];
  const lanes = [];
  (run?.optimizers ?? []).forEach((o, oi) => starts.forEach((_, si) => {
    lanes.push({ lane: lanes.length, optimizer: oi, start: si, name: o.name });
  }));
  return { lanes, starts };
}

/** [{label, color, start, optimizer}] per lane; `state` is the dashboard state of the run. */
export function lanePlan(cat, state, run, theme = "light") {
  const meta = metaFor(run);
  const labels = runLaneLabels(cat, state, meta);
  return meta.lanes.map((l, i) => ({ label: labels[i] ?? `#${i + 1}`, color: laneColor(l.optimizer, theme),
    start: l.start, optimizer: l.optimizer }));
}

/** Guesses with one more point, unless every lane has one already. */
export function addGuess(guesses, xy, nLanes) {
  if (guesses.length >= nLanes || !xy.every(Number.isFinite)) return guesses;
  return [...guesses, [xy[0], xy[1]]];
}

/** The lane whose guess comes next (null when all are placed). */
export function nextLane(guesses, nLanes) {
  return guesses.length < nLanes ? guesses.length : null;
}

/** The guesses as the surface draws them: [{xy, color, label}]. */
export function guessMarks(guesses, lanes) {
  return guesses.map((xy, i) => ({ xy, color: lanes[i]?.color ?? "#000000", label: lanes[i]?.label ?? `#${i + 1}` }));
}

// ------------------------------------------------------------------------------ the view

/** Which part of the race a state shows: the playhead's step, clamped to the run. */
export function cursorOf(state, steps) {
  const k = Number(state?.position?.step);
  const top = Number.isInteger(steps) ? steps : Infinity;
  return Number.isFinite(k) ? Math.max(0, Math.min(top, Math.floor(k))) : 0;
}

/**
 * What the page shows for a session state: {phase, paths (draw the race), cursor, shownAll,
 * guessing (taps place guesses), mine (draw my guesses), tryForm, prompt}.
 */
export function phaseView(state, steps) {
  const phase = PHASES.includes(state?.phase) ? state.phase : "watch";
  const hasRun = !!state?.run;
  const cursor = cursorOf(state, steps);
  const paths = hasRun && (phase === "watch" || phase === "reveal");
  return {
    phase, paths, cursor, shownAll: paths && Number.isInteger(steps) && cursor >= steps,
    guessing: hasRun && phase === "predict", mine: hasRun && (phase === "predict" || phase === "reveal"),
    tryForm: hasRun && phase === "try", prompt: hasRun ? `join.prompt.${phase}` : "join.prompt.wait",
  };
}

/** The last finite point of each lane of a RunBuffer-like object (null: none). */
export function endpoints(buffer) {
  if (!buffer) return [];
  return Array.from({ length: buffer.nLanes }, (_, i) => {
    const r = buffer.headRow(i, buffer.rows - 1);
    return r >= 0 ? buffer.vector("xy", i, r) : null;
  });
}

/** One row per guess: {lane, guess, end, dist} (dist null without an endpoint). */
export function distanceTable(guesses, ends, lanes) {
  return (guesses ?? []).map((g, i) => {
    const end = ends[i] ?? null;
    return { lane: lanes[i] ?? null, guess: g, end, dist: end ? Math.hypot(end[0] - g[0], end[1] - g[1]) : null };
  });
}

// ------------------------------------------------------------------------------ tries

/** Whether a catalog optimizer entry takes a `momentum` parameter (its spec, or null). */
export function momentumSpec(entry) {
  return entry?.params?.find((p) => p.name === "momentum") ?? null;
}

/**
 * The body of POST /tries from the form's values {name, lr, momentum, steps}, or {error}
 * (a message key and its vars) when a value cannot be sent.
 */
export function tryRequest(entry, values, limits) {
  if (!entry) return { error: "join.try.badOptimizer" };
  const lr = Number(values.lr);
  const lrSpec = entry.params?.find((p) => p.name === "lr");
  if (!Number.isFinite(lr) || lr <= 0) return { error: "join.try.badLr" };
  if (lrSpec && ((lrSpec.low !== null && lr < lrSpec.low) || (lrSpec.high !== null && lr > lrSpec.high))) {
    return { error: "join.try.lrRange", vars: { low: fmt(lrSpec.low), high: fmt(lrSpec.high) } };
  }
  const params = { lr };
  const mSpec = momentumSpec(entry);
  if (mSpec && values.momentum !== "" && values.momentum !== undefined && values.momentum !== null) {
    const m = Number(values.momentum);
    const low = mSpec.low ?? 0;
    const high = mSpec.high ?? 1;
    if (!Number.isFinite(m) || m < low || m > high) return { error: "join.try.badMomentum", vars: { low: fmt(low), high: fmt(high) } };
    params.momentum = m;
  }
  const max = limits?.steps ?? 5000;
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1 || steps > max) return { error: "join.try.badSteps", vars: { max } };
  return { body: { optimizers: [{ name: entry.name, params }], steps } };
}

/** Leaderboard rows as shown: {rank, name, what, loss, mine}. Names stay plain text; `optimizerName` names a catalog entry. */
export function leaderboardRows(board, myId, optimizerName = (name) => name) {
  return (board?.entries ?? []).map((e) => ({
    rank: e.rank, name: String(e.name ?? ""), mine: !!myId && e.student_id === myId,
    what: `${optimizerName(e.optimizer ?? "")} \u00b7 lr ${fmt(e.lr)}`,
    loss: e.diverged ? t("join.board.diverged") : fmt(e.final_loss, 4),
  }));
}

// ------------------------------------------------------------------------------ errors

/** A readable line for a failed request: {status, retryAfter, message}; `what` names the action. */
export function errorMessage(err, what = "guesses") {
  const s = err?.status ?? 0;
  if (s === 0) return t("join.err.network");
  if (s === 409) return t(what === "tries" ? "join.err.tryPhase" : "join.err.guessPhase");
  if (s === 422) return t("join.err.invalid", { message: err.message ?? "" });
  if (s === 429) return t("join.err.rate", { s: Math.max(1, Math.ceil(err.retryAfter ?? 1)) });
  if (s === 401 || s === 403) return t("join.err.auth");
  if (s === 404) return t("join.err.notFound");
  return t("join.err.other", { message: err.message ?? `HTTP ${s}` });
}

