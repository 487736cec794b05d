// Number formatting for labels, tables and the inspector. Pure: no DOM.

const MINUS = "\u2212";

/** A finite number, or null for null/undefined/NaN/±Infinity. */
export function finite(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * A compact, readable number: 3 significant digits by default, exponent form for very
 * large or small magnitudes ("1.2e−20"), a real minus sign, "—" for missing values.
 */
export function fmt(v, digits = 3) {
  const x = finite(v);
  if (x === null) return "\u2014";
  if (x === 0) return "0";
  const a = Math.abs(x);
  let s;
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = x.toExponential(Math.max(0, digits - 1)).split("e");
    s = `${trimZeros(m)}e${Number(e)}`;
  } else {
    s = trimZeros(x.toPrecision(digits));
    if (s.includes("e")) s = String(Number(s));
  }
  return s.replace(/-/g, MINUS);
}

function trimZeros(s) {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** A point "(0.09, 2.88)". */
export function fmtXY(xy, digits = 3) {
  if (!xy || xy.length < 2) return "\u2014";
  return `(${fmt(xy[0], digits)}, ${fmt(xy[1], digits)})`;
}

/** A vector with its norm "(−14, −22) |·| 26.1". */
export function fmtVec(v, digits = 3) {
  if (!v || finite(v[0]) === null || finite(v[1]) === null) return "\u2014";
  return fmtXY(v, digits);
}

export function norm2(v) {
  if (!v) return null;
  const x = finite(v[0]);
  const y = finite(v[1]);
  return x === null || y === null ? null : Math.hypot(x, y);
}

/** A plain decimal for inputs and URLs: shortest round-trip form, no exponent below 1e21. */
export function plain(v) {
  const x = finite(v);
  if (x === null) return "";
  const s = String(Number(x.toPrecision(12)));
  return s;
}

/** Seconds "0.15 s" / milliseconds "85 ms". */
export function fmtDuration(seconds) {
  const s = finite(seconds);
  if (s === null) return "\u2014";
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${fmt(s, 3)} s`;
}
