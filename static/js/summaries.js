// Words about a race: lane names, summary-table rows, and the short text summaries that
// screen readers get for each chart. Pure: no DOM (messages come from i18n.t).

import { fmt, fmtXY } from "./format.js";
import { has, pick, t } from "./i18n.js";

/** The optimizer's short name: "SGD", "Momentum", "Nesterov", or the catalog label. */
export function optimizerName(cat, lane) {
  if (lane.name === "sgd") {
    if (lane.params?.nesterov && lane.params?.momentum > 0) return t("opt.nesterov");
    return lane.params?.momentum > 0 ? t("opt.momentum") : t("opt.sgd");
  }
  const entry = cat?.optimizer.get(lane.name);
  return entry ? pick(entry.label) : lane.name;
}

/** A value as a label shows it: 0.9, "0.9, 0.99", ✓ for a flag. */
function shortValue(v) {
  if (v === null || v === undefined) return t("lane.none"); // torch's None (L-BFGS' line search)
  if (Array.isArray(v)) return v.map((x) => fmt(x)).join(", ");
  if (typeof v === "boolean") return v ? "\u2713" : "\u2717";
  return typeof v === "number" ? fmt(v) : String(v);
}

function paramName(name) {
  return has(`param.${name}`) ? t(`param.${name}`) : name;
}

/**
 * The variant words that change what an optimizer is, always shown when on: AMSGrad,
 * centered RMSprop, RMSprop's momentum, decoupled weight decay, weight decay.
 */
function variantParts(cat, lane) {
  const p = lane.params ?? {};
  const out = [];
  if (p.amsgrad === true) out.push(t("param.amsgrad"));
  if (p.centered === true) out.push(t("param.centered"));
  if (lane.name === "rmsprop" && p.momentum > 0) out.push(`${t("param.momentum")} ${fmt(p.momentum)}`);
  if (p.decoupled_weight_decay === true) out.push(t("param.decoupled_weight_decay"));
  const wdDefault = cat?.optimizer.get(lane.name)?.params?.find((x) => x.name === "weight_decay")?.default ?? 0;
  if (typeof p.weight_decay === "number" && p.weight_decay !== wdDefault) out.push(`wd ${fmt(p.weight_decay)}`);
  return out;
}

/** A lane's label: "Momentum 0.9 · lr 0.005 · cosine", plus the start when there are several. */
export function laneLabel(cat, lane, { start = null, nStarts = 1 } = {}) {
  const parts = [optimizerName(cat, lane)];
  if (lane.name === "sgd" && lane.params?.momentum > 0) parts[0] += ` ${fmt(lane.params.momentum)}`;
  parts.push(...variantParts(cat, lane));
  if (typeof lane.params?.lr === "number") parts.push(`lr ${fmt(lane.params.lr)}`);
  if (lane.schedule) parts.push(lane.schedule.name.replace(/_/g, " "));
  if (lane.clip) parts.push(`clip ${fmt(lane.clip)}`);
  if (nStarts > 1 && start !== null) parts.push(`#${start + 1}`);
  return parts.join(" \u00b7 ");
}

/** Every setting of a lane as [key, shown name, value] (optimizer and schedule parameters). */
function settings(lane) {
  const out = Object.entries(lane.params ?? {}).map(([k, v]) => [`p.${k}`, paramName(k), v]);
  for (const [k, v] of Object.entries(lane.schedule?.params ?? {})) out.push([`s.${k}`, paramName(k), v]);
  return out;
}

/**
 * Labels for a list of lanes that tell every lane apart: where two would read the same, the
 * settings that differ between them are added ("Adam · lr 0.05 · Betas (β₁, β₂) 0.9, 0.99").
 */
export function distinctLabels(cat, lanes) {
  const labels = lanes.map((l) => laneLabel(cat, l));
  const groups = new Map();
  labels.forEach((label, i) => groups.set(label, [...(groups.get(label) ?? []), i]));
  for (const idx of groups.values()) {
    if (idx.length < 2) continue;
    const all = idx.map((i) => new Map(settings(lanes[i]).map(([k, name, v]) => [k, [name, v]])));
    const keys = [...new Set(all.flatMap((m) => [...m.keys()]))];
    const differ = keys.filter((k) => new Set(all.map((m) => JSON.stringify(m.get(k)?.[1] ?? null))).size > 1);
    idx.forEach((i, j) => {
      const extra = differ.filter((k) => all[j].has(k)).map((k) => `${all[j].get(k)[0]} ${shortValue(all[j].get(k)[1])}`);
      if (extra.length) labels[i] = `${labels[i]} \u00b7 ${extra.join(" \u00b7 ")}`;
    });
  }
  // still equal (the very same settings twice): number them
  const seen = new Map();
  return labels.map((label) => {
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return labels.filter((x) => x === label).length > 1 ? `${label} (${n})` : label;
  });
}

/** Labels for every run lane (lane = optimizer o × starts S + start s). */
export function runLaneLabels(cat, state, meta) {
  const nStarts = meta?.starts?.length ?? state.starts.length;
  const base = distinctLabels(cat, state.lanes);
  return (meta?.lanes ?? []).map((l) => {
    if (!state.lanes[l.optimizer]) return laneLabel(cat, { name: l.name, params: {} }, { start: l.start, nStarts });
    return nStarts > 1 ? `${base[l.optimizer]} \u00b7 #${l.start + 1}` : base[l.optimizer];
  });
}

/**
 * Whether a lane's optimizer keeps a first moment worth showing: not for plain gradient
 * descent, nor for SGD / RMSprop with momentum 0 (their buffer is just the gradient).
 */
export function momentUsed(lane) {
  if (!lane || lane.name === "gd" || lane.name === "adagrad" || lane.name === "adadelta") return false;
  if (lane.params && "momentum" in lane.params) return lane.params.momentum > 0;
  return true;
}

/** "saddle point (0.09, 2.88)". */
export function kindName(kind, long = true) {
  return t(`cp.${kind}${long ? "Long" : ""}`);
}

/** Rows of the summary table, formatted. */
export function tableRows(summary, labels, meta) {
  return (summary ?? []).map((s) => {
    const nearest = s.nearest;
    return {
      lane: s.lane,
      label: labels[s.lane] ?? `#${s.lane}`,
      color: meta?.lanes?.[s.lane]?.color,
      start: fmtXY(meta?.starts?.[s.start] ?? s.start_xy ?? null, 3),
      final: fmt(s.final_loss, 3),
      position: fmtXY(s.final_xy, 3),
      nearest: nearest
        ? t("table.near", { kind: kindName(nearest.kind), xy: fmtXY(nearest.xy, 3), value: fmt(nearest.value, 3) })
        : "\u2014",
      converged: s.converged_at !== null && s.converged_at !== undefined
        ? String(s.converged_at) : t("table.never"),
      diverged: s.diverged_at !== null && s.diverged_at !== undefined
        ? t("table.atStep", { k: s.diverged_at }) : t("table.no"),
      isDiverged: s.diverged_at !== null && s.diverged_at !== undefined,
    };
  });
}

/** One lane's outcome in a sentence fragment (for the surface summary). */
export function outcome(s, label) {
  if (s.diverged_at !== null && s.diverged_at !== undefined) {
    return t("sum.diverged", { lane: label, k: s.diverged_at });
  }
  const near = s.nearest;
  if (s.converged_at !== null && s.converged_at !== undefined && (!near || near.kind === "min")) {
    return t("sum.converged", { lane: label, f: fmt(s.final_loss, 2), k: s.converged_at });
  }
  if (near && near.kind !== "min" && near.distance < 0.05) {
    return t("sum.stoppedAt", { lane: label, kind: kindName(near.kind), xy: fmtXY(near.xy, 2) });
  }
  return t("sum.endedNear", { lane: label, f: fmt(s.final_loss, 2), kind: near ? kindName(near.kind) : "",
    xy: near ? fmtXY(near.xy, 2) : "" });
}

/** The surface chart's summary: what each lane did. */
export function surfaceSummary(summary, labels) {
  if (!summary?.length) return t("sum.none");
  return `${summary.map((s) => outcome(s, labels[s.lane])).join("; ")}.`;
}

function lastFinite(series) {
  for (let i = series.length - 1; i >= 0; i--) if (Number.isFinite(series[i])) return series[i];
  return null;
}

function firstFinite(series) {
  for (let i = 0; i < series.length; i++) if (Number.isFinite(series[i])) return series[i];
  return null;
}

/** Summary of a metric chart (loss, grad, dist): the last value of each lane. */
export function metricSummary(key, buffer, labels) {
  if (!buffer || buffer.rows === 0) return t("sum.none");
  const field = { "sum.loss": "loss", "sum.grad": "grad_norm", "sum.dist": "dist_min" }[key];
  const items = labels.map((label, lane) => {
    const d = buffer.divergedBy(lane);
    if (d) return t("sum.diverged", { lane: label, k: d.step });
    return `${label} ${fmt(lastFinite(buffer.series(field, lane)[1]), 2)}`;
  });
  return t(key, { n: buffer.rows - 1, items: items.join(", ") });
}

/** Summary of the learning-rate chart: each lane's schedule range. */
export function lrSummary(buffer, labels) {
  if (!buffer || buffer.rows === 0) return t("sum.none");
  const items = labels.map((label, lane) => {
    const lr = buffer.series("lr", lane)[1];
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of lr) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const a = firstFinite(lr);
    const b = lastFinite(lr);
    if (a === null) return `${label} \u2014`;
    return hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))
      ? t("sum.lrConst", { lane: label, a: fmt(a, 3) })
      : t("sum.lrRange", { lane: label, a: fmt(a, 3), b: fmt(b, 3) });
  });
  return t("sum.lr", { items: items.join(", ") });
}

/** Basin map summary: the share of starts reaching each optimizer's most common minimum. */
export function basinSummary(result, names) {
  if (!result) return t("basins.empty");
  return result.labels.map((labels, o) => {
    const counts = new Map();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    let best = null;
    for (const [l, c] of counts) if (l >= 0 && (best === null || c > counts.get(best))) best = l;
    if (best === null) return `${names[o]}: ${t("basins.unconverged")}`;
    const share = `${Math.round((100 * counts.get(best)) / labels.length)}%`;
    return t("basins.summary", { lane: names[o], share, i: best + 1, xy: fmtXY(result.minima[best].xy, 2) });
  }).join(" ");
}
