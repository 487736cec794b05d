// Optimizer lanes and catalog entries in their URL form, shared by the race and the MLP view.
// Pure: no DOM. A lane is {name, params, schedule: {name, params} | null, clip: number | null};
// its text is `name:k=v,k=v` (only values that differ from the catalog default), a schedule
// follows `~`, and `clip=…` inside the optimizer part is the gradient-clipping norm.

import { plain } from "./format.js";
import { checkParam, paramDefaults, paramToText, parseParam, sameValue } from "./params.js";

/** Whether a schedule is for MLP runs only (reduce-on-plateau); surface lanes skip those. */
export function mlpOnly(entry) {
  return !!(entry?.mlp_only || entry?.info?.mlp_only);
}

/** Whether a schedule is made of schedules (SequentialLR): its lane editor lists the parts. */
export function composite(entry) {
  return !!(entry?.composite || entry?.info?.composite);
}

/** Whether an optimizer runs in races only (Newton, L-BFGS, ...: the MLP tab skips those). */
export function raceOnly(entry) {
  return !!(entry?.race_only || entry?.info?.race_only);
}

/**
 * A lane with every parameter filled in from the catalog (unknown names are dropped).
 * MLP-only schedules are kept only with {mlp: true}; race-only optimizers only without it.
 */
export function makeLane(cat, name, params = {}, schedule = null, clip = null, { mlp = false } = {}) {
  const entry = cat.optimizer.get(name);
  if (!entry || (mlp && raceOnly(entry))) return null;
  const lane = { name, params: { ...paramDefaults(entry) }, schedule: null, clip: null };
  for (const spec of entry.params) {
    if (params[spec.name] !== undefined && !checkParam(spec, params[spec.name])) {
      lane.params[spec.name] = params[spec.name];
    }
  }
  const sEntry = schedule ? cat.schedule.get(schedule.name) : null;
  if (sEntry && (mlp || !mlpOnly(sEntry))) {
    const sp = paramDefaults(sEntry);
    for (const spec of sEntry.params) {
      const v = schedule.params?.[spec.name];
      if (v !== undefined && !checkParam(spec, v)) sp[spec.name] = v;
    }
    lane.schedule = { name: schedule.name, params: sp };
  }
  if (typeof clip === "number" && Number.isFinite(clip) && clip > 0 && clip <= 1e6) lane.clip = clip;
  return lane;
}

/** `name:k=v,…` with only the values that differ from the entry's defaults (+ `extra`). */
export function encodeEntry(entry, values, extra = [], defaults = null) {
  const parts = [];
  for (const spec of entry.params) {
    const v = values[spec.name];
    const d = defaults ? defaults[spec.name] : spec.default;
    if (v === undefined || sameValue(v, d)) continue;
    parts.push(`${spec.name}=${paramToText(spec, v)}`);
  }
  parts.push(...extra);
  return parts.length ? `${entry.name}:${parts.join(",")}` : entry.name;
}

/** One lane as `adam:lr=0.1,clip=1~cosine:T_max=300`. */
export function encodeLane(cat, lane) {
  const entry = cat.optimizer.get(lane.name);
  if (!entry) return lane.name;
  let s = encodeEntry(entry, lane.params, lane.clip ? [`clip=${plain(lane.clip)}`] : []);
  if (lane.schedule && cat.schedule.has(lane.schedule.name)) {
    s += `~${encodeEntry(cat.schedule.get(lane.schedule.name), lane.schedule.params)}`;
  }
  return s;
}

/** `name:k=v,k=v` → {name, values, extra} parsed against the entry's specs (bad values dropped). */
export function decodeEntry(kindMap, text, reserved = []) {
  const [name, rest = ""] = String(text).split(/:(.*)/s);
  const entry = kindMap.get(name.trim());
  if (!entry) return null;
  const values = {};
  const extra = {};
  for (const kv of rest.split(",")) {
    const at = kv.indexOf("="); // the first "=": a sequential schedule's parts hold more
    const [k, v] = at < 0 ? [kv, undefined] : [kv.slice(0, at), kv.slice(at + 1)];
    if (!k || v === undefined) continue;
    if (reserved.includes(k)) {
      extra[k] = v;
      continue;
    }
    const spec = entry.params.find((p) => p.name === k);
    if (!spec) continue;
    const parsed = spec.type === "schedule_list" ? decodeParts(kindMap, v, partNames(entry)) : parseParam(spec, v);
    if (parsed !== undefined && !checkParam(spec, parsed)) values[k] = parsed;
  }
  return { name: entry.name, values, extra };
}

/** The schedules a composite one may chain (the catalog's `parts`). */
export function partNames(entry) {
  return entry?.parts ?? entry?.info?.parts ?? [];
}

/** SequentialLR's params with one more part, taking over 50 steps after the last milestone. */
export function addPart(params, name = "constant") {
  const last = params.milestones.length ? params.milestones[params.milestones.length - 1] : 0;
  return { schedulers: [...params.schedulers, { name, params: {} }], milestones: [...params.milestones, last + 50] };
}

/** SequentialLR's params without part j (and the milestone where it, or the next, took over). */
export function removePart(params, j) {
  const drop = Math.max(j - 1, 0);
  return {
    schedulers: params.schedulers.filter((_, k) => k !== j),
    milestones: params.milestones.filter((_, k) => k !== drop),
  };
}

/** `linear(start_factor=0.1;total_iters=50)+cosine()` → [{name, params}], or undefined. */
function decodeParts(kindMap, text, allowed) {
  const parts = [];
  for (const piece of String(text).split("+")) {
    const m = /^([a-z_]+)\((.*)\)$/.exec(piece.trim());
    const e = m ? decodeEntry(kindMap, `${m[1]}:${m[2].replaceAll(";", ",")}`) : null;
    if (!e || !allowed.includes(e.name)) return undefined;
    parts.push({ name: e.name, params: { ...paramDefaults(kindMap.get(e.name)), ...e.values } });
  }
  return parts.length ? parts : undefined;
}

export function decodeLane(cat, text, opts = {}) {
  const [opt, sched] = String(text).split("~");
  const o = decodeEntry(cat.optimizer, opt, ["clip"]);
  if (!o) return null;
  const s = sched ? decodeEntry(cat.schedule, sched) : null;
  const clip = o.extra.clip !== undefined ? Number(o.extra.clip) : null;
  return makeLane(cat, o.name, o.values, s ? { name: s.name, params: s.values } : null, clip, opts);
}

const SAFE = { "%3A": ":", "%2C": ",", "%3D": "=", "%7E": "~", "%2F": "/" };

/** `key=value` for a query string, keeping : , = ~ / readable. */
export function q(key, value) {
  const v = encodeURIComponent(String(value)).replace(/%3A|%2C|%3D|%7E|%2F/g, (m) => SAFE[m]);
  return `${key}=${v}`;
}
