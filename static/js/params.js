// Parameter specs from /api/catalog: defaults, parsing, validation, text forms. Pure.
//
// A spec is {name, type: float|int|bool|choice|pair|int_list|float_list, default, low, high, log,
// choices?, nullable?}. Values: numbers, booleans, strings (choice), [a, b] (pair),
// [n, ...] (int_list), or null (nullable only).

import { plain } from "./format.js";

/** {name: default} for a catalog entry (a deep copy: arrays are fresh). */
export function paramDefaults(entry) {
  const out = {};
  for (const p of entry?.params ?? []) out[p.name] = copy(p.default);
  return out;
}

function copy(v) {
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === "object" ? structuredClone(x) : x));
  return v;
}

export function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length
      && a.every((x, i) => (x && typeof x === "object" ? JSON.stringify(x) === JSON.stringify(b[i]) : x === b[i]));
  }
  return a === b;
}

/**
 * Why `value` is not acceptable for `spec`, as {key, vars} for the message table, or null
 * when it is fine.
 */
export function checkParam(spec, value) {
  if (value === null || value === undefined) {
    return spec.nullable ? null : { key: "err.required", vars: {} };
  }
  const inRange = (x) => (spec.low === null || spec.low === undefined || x >= spec.low)
    && (spec.high === null || spec.high === undefined || x <= spec.high);
  const range = { key: "err.range", vars: { low: spec.low, high: spec.high } };
  switch (spec.type) {
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) return { key: "err.number", vars: {} };
      return inRange(value) ? null : range;
    case "int":
      if (!Number.isInteger(value)) return { key: "err.integer", vars: {} };
      return inRange(value) ? null : range;
    case "bool":
      return typeof value === "boolean" ? null : { key: "err.bool", vars: {} };
    case "choice":
      return (spec.choices ?? []).includes(value) ? null : { key: "err.choice", vars: {} };
    case "pair":
      if (!Array.isArray(value) || value.length !== 2
        || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
        return { key: "err.pair", vars: {} };
      }
      return value.every(inRange) ? null : range;
    case "int_list":
      if (!Array.isArray(value) || value.length > 64 || !value.every(Number.isInteger)) {
        return { key: "err.intList", vars: {} };
      }
      return value.every(inRange) ? null : range;
    case "schedule_list": // SequentialLR's parts: [{name, params}, ...]
      return Array.isArray(value) && value.length >= 1 && value.length <= 8
        && value.every((p) => p && typeof p.name === "string" && typeof (p.params ?? {}) === "object")
        ? null : { key: "err.parts", vars: {} };
    case "float_list":
      if (!Array.isArray(value) || value.length > 64
        || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
        return { key: "err.floatList", vars: {} };
      }
      return value.every(inRange) ? null : range;
    default:
      return { key: "err.number", vars: {} };
  }
}

/**
 * Text (from an input or a URL) → a value of the spec's type, or undefined if it does not
 * parse. "" means null for a nullable spec. Pairs and lists accept "a_b", "a,b" or "a b".
 */
export function parseParam(spec, text) {
  const s = String(text ?? "").trim();
  if (s === "" || s === "null") return spec.nullable ? null : undefined;
  const num = (t) => (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : undefined);
  switch (spec.type) {
    case "float":
      return num(s);
    case "int": {
      const n = num(s);
      return n !== undefined && Number.isInteger(n) ? n : undefined;
    }
    case "bool":
      if (["1", "true", "yes", "on"].includes(s.toLowerCase())) return true;
      if (["0", "false", "no", "off"].includes(s.toLowerCase())) return false;
      return undefined;
    case "choice":
      return (spec.choices ?? []).includes(s) ? s : undefined;
    case "pair": {
      const parts = s.split(/[_,\s]+/).filter(Boolean).map(num);
      return parts.length === 2 && parts.every((x) => x !== undefined) ? parts : undefined;
    }
    case "int_list": {
      const parts = s.split(/[_,\s]+/).filter(Boolean).map(num);
      return parts.every((x) => x !== undefined && Number.isInteger(x)) ? parts : undefined;
    }
    case "float_list": {
      const parts = s.split(/[_,\s]+/).filter(Boolean).map(num);
      return parts.length && parts.every((x) => x !== undefined) ? parts : undefined;
    }
    default:
      return undefined;
  }
}

/** The value as text for a URL ("0.9_0.999" for pairs, "1"/"0" for booleans). */
export function paramToText(spec, value) {
  if (value === null || value === undefined) return "null";
  if (spec.type === "bool") return value ? "1" : "0";
  if (spec.type === "schedule_list") return partsToText(value);
  if (Array.isArray(value)) return value.map(plain).join("_");
  if (typeof value === "number") return plain(value);
  return String(value);
}

/** The value as text for an input box ("0.9, 0.999" for pairs, "" for null). */
export function paramToInput(spec, value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(plain).join(", ");
  if (typeof value === "number") return plain(value);
  return String(value);
}

/** Slider position 0..1000 ↔ value, logarithmic when the spec says `log`. */
export const SLIDER_MAX = 1000;

export function toSlider(spec, value) {
  const { low, high } = spec;
  if (typeof value !== "number" || low === null || high === null || high <= low) return 0;
  const v = Math.min(high, Math.max(low, value));
  const f = spec.log && low > 0 ? Math.log(v / low) / Math.log(high / low) : (v - low) / (high - low);
  return Math.round(f * SLIDER_MAX);
}

export function fromSlider(spec, pos) {
  const { low, high } = spec;
  const f = Math.min(1, Math.max(0, pos / SLIDER_MAX));
  const raw = spec.log && low > 0 ? low * (high / low) ** f : low + f * (high - low);
  if (spec.type === "int") return Math.round(raw);
  return Number(raw.toPrecision(spec.log ? 2 : 3));
}

/** Whether a spec gets a slider (bounded numbers only). */
export function hasSlider(spec) {
  return (spec.type === "float" || spec.type === "int") && spec.low !== null
    && spec.high !== null && spec.low !== undefined && spec.high !== undefined
    && Number.isFinite(spec.high - spec.low) && (spec.log || spec.high - spec.low <= 1e4);
}

/** The parameters that are set (no null or undefined): what a request sends. */
export function cleanParams(values) {
  const out = {};
  for (const [k, v] of Object.entries(values ?? {})) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/**
 * SequentialLR's parts as URL text: `linear(start_factor=0.1;total_iters=50)+cosine()`
 * (every given parameter; lists joined by "_", booleans 1/0). lane.js reads it back with the
 * catalog, which knows each part's parameters.
 */
export function partsToText(parts) {
  const one = (v) => (v === null || v === undefined ? "null" : typeof v === "boolean" ? (v ? "1" : "0")
    : Array.isArray(v) ? v.map(plain).join("_") : typeof v === "number" ? plain(v) : String(v));
  return parts.map((p) => `${p.name}(${Object.entries(p.params ?? {}).map(([k, v]) => `${k}=${one(v)}`).join(";")})`)
    .join("+");
}
