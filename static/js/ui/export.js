// Export: PNG/SVG of a chart (Plotly's own image export), and a standalone HTML page of
// the current view with the figures' data and the Plotly bundle inlined (works offline).

import { t } from "../i18n.js";
import { $, download } from "./dom.js";

const Plotly = () => window.Plotly;

/** Download `figure` ({data, layout}) as png or svg; the size follows the screen element. */
export function exportImage(figure, format, filename, el) {
  const width = Math.max(640, Math.round(el?.clientWidth ?? 900));
  const height = Math.max(420, Math.round(el?.clientHeight ?? 600));
  const layout = { ...figure.layout, width, height };
  return Plotly().downloadImage({ data: figure.data, layout }, { format, filename, width, height, scale: format === "png" ? 2 : 1 });
}

/** JSON that is safe inside a <script> element; typed arrays become plain arrays. */
export function scriptJson(value) {
  const json = JSON.stringify(value, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v, (x) => (Number.isFinite(x) ? x : null)) : v));
  return json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

/**
 * A standalone page: title, a link back to the live view, the figures, the summary table.
 * figures: [{id, title, figure}]; tableHtml: the summary table's outerHTML (already escaped);
 * fontCss: @font-face rules to inline (the Hangul face for a Korean page, see hangulFontCss).
 */
export function standaloneHtml({ lang, title, url, figures, tableHtml, summaries, plotlyJs, dark, fontCss = "" }) {
  const blocks = figures.map((f) => `<section><h2>${escapeHtml(f.title)}</h2><div id="fig-${f.id}" class="fig ${f.id === "surface" ? "big" : ""}"></div>`
    + `<p class="summary">${escapeHtml(summaries[f.id] ?? "")}</p></section>`).join("\n");
  const figs = scriptJson(figures.map((f) => ({ id: f.id, data: f.figure.data, layout: { ...f.figure.layout, autosize: true } })));
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${fontCss}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI","DescentLab Hangul","Noto Sans KR","Malgun Gothic",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;
background:${dark ? "#10161f" : "#fff"};color:${dark ? "#e8edf3" : "#1b2430"}}
a{color:inherit} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
.fig{height:340px}.fig.big{height:700px}section{margin:0}section:first-child{grid-row:span 2}h2{font-size:18px;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #8884;padding:6px 8px;text-align:left}
.summary{font-size:14px;opacity:.85}.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;background:var(--c)}
</style></head><body${fontCss ? ' style="display:none"' : ""}>
<h1>${escapeHtml(title)}</h1>
<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>
<div class="grid">${blocks}</div>
<h2>${escapeHtml(t("table.title"))}</h2>
${tableHtml}
<script>${plotlyJs}</script>
<script>
const FIGS = ${figs};
const draw = () => {
  document.body.style.display = "";
  for (const f of FIGS) Plotly.newPlot("fig-" + f.id, f.data, f.layout, {responsive: true, displaylogo: false});
};
${fontCss ? `// the page shows once its Hangul face is loaded (Chromium keeps boxes for bold text laid out before)
document.fonts.load('700 16px "DescentLab Hangul"', "\uac00").catch(() => null).then(draw);` : "draw();"}
</script>
</body></html>`;
}

/** The bundled Hangul face (static/fonts, SIL OFL 1.1) as an inline @font-face rule: bold is
 * synthesized, so one weight (~190 KB as base64) serves the page. */
export function hangulFontCss(base64) {
  return `@font-face{font-family:"DescentLab Hangul";font-weight:400;src:url(data:font/woff2;base64,${base64}) format("woff2");`
    + "unicode-range:U+1100-11FF,U+3130-318F,U+A960-A97F,U+AC00-D7A3,U+D7B0-D7FF}";
}

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

let plotlyText = null;
let hangulCss = null;

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res;
}

/** Build and download the standalone page (the Plotly bundle and, for Korean, the Hangul font
 * are fetched once): it shows its Korean offline on a machine without a Korean font. */
export async function exportHtml(parts) {
  if (plotlyText === null) plotlyText = await (await fetchOk("/vendor/plotly.min.js")).text();
  if (parts.lang === "ko" && hangulCss === null) {
    hangulCss = hangulFontCss(toBase64(await (await fetchOk("/fonts/noto-sans-kr-hangul-400.woff2")).arrayBuffer()));
  }
  const html = standaloneHtml({ ...parts, plotlyJs: plotlyText, fontCss: parts.lang === "ko" ? hangulCss : "" });
  download(new Blob([html], { type: "text/html" }), parts.filename);
  return html.length;
}

/** Download chart `id` (surface, loss, grad, dist, lr) of the app as png or svg, with a legend. */
export function exportChart(app, id, format) {
  const name = `descentlab-${id}`;
  if (id === "surface") {
    const fig = app.surface.figure(app.playback.cursor, true);
    fig.layout = { ...fig.layout, showlegend: true, legend: { orientation: "h", y: -0.12 }, annotations: [] };
    return exportImage(fig, format, name, $("#surface-plot"));
  }
  const fig = app.charts.figure(id);
  fig.layout = { ...fig.layout, showlegend: true, legend: { orientation: "h", y: -0.25 },
    title: { text: t(`chart.${id}`) }, margin: { ...fig.layout.margin, t: 40 } };
  return exportImage(fig, format, name, $(`[data-testid=${id}-plot]`));
}

/** Point the CSV and JSON links (#export-csv, or #mlp-export-csv with prefix "mlp-") at a run. */
export function setExportLinks(prefix, run) {
  for (const [id, key] of [[`#${prefix}export-csv`, "export_csv"], [`#${prefix}export-json`, "export_json"]]) {
    const a = $(id);
    if (!a) continue;
    const href = run?.links?.[key];
    a.href = href ?? "#";
    a.setAttribute("aria-disabled", String(!href));
    if (href) a.setAttribute("download", "");
  }
}
