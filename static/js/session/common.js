// What the student's and the teacher's pages of a class session share: the phases and the
// join code's form (the server's app/sessions/model.py has the same alphabet), and reading a
// stored JSON record. Pure: no DOM.

export const PHASES = ["watch", "predict", "reveal", "try"];
export const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; // no 0/O, no 1/I
export const CODE_LENGTH = 6;

/** A typed code made canonical ("k7q m2x" → "K7QM2X"), or null when it cannot be one. */
export function normalCode(text) {
  const code = String(text ?? "").toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== CODE_LENGTH) return null;
  return [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

/** A stored record's JSON text as an object, or null (absent, not JSON, not an object). */
export function readRecord(text) {
  try {
    const v = JSON.parse(text ?? "null");
    return v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
