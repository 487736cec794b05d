// Messages in English and Korean: one table per language, t(key, vars) to read them.
// Pure: no DOM. The current language is module state set by setLang().

import en from "./messages/en.js";
import ko from "./messages/ko.js";

export const MESSAGES = { en, ko };
export const LANGS = Object.keys(MESSAGES);

let current = "en";

export function setLang(lang) {
  current = LANGS.includes(lang) ? lang : "en";
  return current;
}

export function getLang() {
  return current;
}

/** The message `key` with {placeholders} filled; the key itself if it is unknown. */
export function t(key, vars = {}, lang = current) {
  const table = MESSAGES[lang] ?? en;
  const s = table[key] ?? en[key];
  if (s === undefined) return key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (vars[name] !== undefined ? String(vars[name]) : m));
}

/** Whether a message exists. */
export function has(key) {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** A catalog text {en, ko} in the current language (English if missing). */
export function pick(text, lang = current) {
  if (text === null || text === undefined) return "";
  if (typeof text === "string") return text;
  return text[lang] ?? text.en ?? "";
}

/** Keys present in one table and not the other: {missingIn: {ko: [...], en: [...]}}. */
export function compareTables(a, b) {
  const ka = new Set(Object.keys(a));
  const kb = new Set(Object.keys(b));
  return { onlyA: [...ka].filter((k) => !kb.has(k)), onlyB: [...kb].filter((k) => !ka.has(k)) };
}

/** The {placeholders} used by a message. */
export function placeholders(message) {
  return [...String(message).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}
