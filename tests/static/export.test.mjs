import assert from "node:assert/strict";
import { test } from "node:test";

import { hangulFontCss, scriptJson, standaloneHtml } from "../../static/js/ui/export.js";

test("figure data inlined in a <script> cannot close it, and typed arrays become lists", () => {
  const json = scriptJson({ name: "</script><script>alert(1)</script>", y: Float64Array.of(1, NaN, 2) });
  assert.ok(!json.includes("</script"));
  assert.deepEqual(JSON.parse(json), { name: "</script><script>alert(1)</script>", y: [1, null, 2] });
});

test("the standalone page inlines Plotly and the figures, and escapes its texts", () => {
  const html = standaloneHtml({
    lang: "ko", title: "<b>race</b>", url: "http://x/?a=1&b=2", dark: false,
    figures: [{ id: "loss", title: "손실", figure: { data: [{ y: Float64Array.of(3, 2) }], layout: {} } }],
    tableHtml: "<table></table>", summaries: { loss: "Adam 0.1" }, plotlyJs: "window.Plotly={newPlot(){}};",
  });
  assert.ok(html.startsWith("<!doctype html>"));
  assert.match(html, /<html lang="ko">/);
  assert.ok(html.includes("&lt;b&gt;race&lt;/b&gt;"));
  assert.ok(html.includes("http://x/?a=1&amp;b=2"));
  assert.ok(html.includes("window.Plotly={newPlot(){}};"));
  assert.ok(html.includes('"y":[3,2]'));
  assert.ok(!html.includes("/vendor/"));
});

test("a Korean standalone page can inline the Hangul face; others carry no font", () => {
  const parts = { lang: "ko", title: "경주", url: "http://x/", dark: false, figures: [], tableHtml: "",
    summaries: {}, plotlyJs: "" };
  const css = hangulFontCss("d09GMg==");
  assert.match(css, /^@font-face\{font-family:"DescentLab Hangul";font-weight:400;src:url\(data:font\/woff2;base64,d09GMg==\) format\("woff2"\);unicode-range:[^}]*U\+AC00-D7A3/);
  const ko = standaloneHtml({ ...parts, fontCss: css });
  assert.ok(ko.includes(`<style>${css}`));
  assert.match(ko, /body\{font:[^;]*"DescentLab Hangul"/);
  assert.match(ko, /<body style="display:none">/);
  assert.match(ko, /document\.fonts\.load\('700 16px "DescentLab Hangul"', "[^"]+"\)\.catch\(\(\) => null\)\.then\(draw\);/);
  const plain = standaloneHtml(parts);
  assert.ok(!plain.includes("@font-face") && !plain.includes("display:none") && plain.includes("draw();"));
});
