import assert from "node:assert/strict";
import { test } from "node:test";

import { compareTables, LANGS, MESSAGES, pick, placeholders, setLang, t } from "../../static/js/i18n.js";

test("every message key exists in both English and Korean", () => {
  const { onlyA, onlyB } = compareTables(MESSAGES.en, MESSAGES.ko);
  assert.deepEqual(onlyA, [], `keys only in en.js: ${onlyA.join(", ")}`);
  assert.deepEqual(onlyB, [], `keys only in ko.js: ${onlyB.join(", ")}`);
});

test("compareTables reports a key missing from one table", () => {
  const { onlyA, onlyB } = compareTables({ a: "1", b: "2" }, { a: "1", c: "3" });
  assert.deepEqual(onlyA, ["b"]);
  assert.deepEqual(onlyB, ["c"]);
});

test("both languages use the same placeholders in every message", () => {
  for (const key of Object.keys(MESSAGES.en)) {
    assert.deepEqual(placeholders(MESSAGES.ko[key]), placeholders(MESSAGES.en[key]), key);
  }
});

test("no message is empty", () => {
  for (const lang of LANGS) {
    for (const [key, text] of Object.entries(MESSAGES[lang])) {
      assert.ok(typeof text === "string" && text.trim().length > 0, `${lang}:${key}`);
    }
  }
});

test("the Korean table is really Korean for the core teaching terms", () => {
  const hangul = /[\uac00-\ud7a3]/;
  for (const key of ["run.run", "chart.loss", "chart.lr", "cp.saddleLong", "cp.minLong", "plot.diverged",
    "param.lr", "param.momentum", "lane.schedule", "axis.step"]) {
    assert.match(MESSAGES.ko[key], hangul, key);
  }
  assert.equal(MESSAGES.ko["param.lr"], "학습률");
  assert.equal(MESSAGES.ko["cp.saddleLong"], "안장점");
  assert.equal(MESSAGES.ko["chart.loss"], "손실");
});

test("t fills placeholders and follows the current language", () => {
  setLang("en");
  assert.equal(t("plot.diverged", { k: 42 }), "diverged at step 42");
  setLang("ko");
  assert.equal(t("plot.diverged", { k: 42 }), "스텝 42에서 발산");
  setLang("en");
});

test("t returns the key for an unknown message and keeps unfilled placeholders", () => {
  assert.equal(t("no.such.key"), "no.such.key");
  assert.equal(t("plot.diverged"), "diverged at step {k}");
});

test("pick reads catalog texts in the current language with an English fallback", () => {
  setLang("ko");
  assert.equal(pick({ en: "Saddle", ko: "안장" }), "안장");
  assert.equal(pick({ en: "Saddle" }), "Saddle");
  setLang("en");
  assert.equal(pick(null), "");
});
