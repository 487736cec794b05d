// Per-frame text of the MLP tab: the top bar's transport (Train/Stop, play, the epoch
// scrubber and its label), the stage title, the summary table and the screen-reader
// summaries of every chart (written when they change, not every frame).

import { getLang, pick, t } from "../../i18n.js";
import {
  accSummary, boundarySummary, gradSummary, histSummary, lossSummary, sizesText,
} from "../../mlp/text.js";
import { lrSummary } from "../../summaries.js";
import { $ } from "../dom.js";
import { icon } from "../icons.js";
import { renderMlpTable } from "./panels.js";
import { datasetFromRequest } from "../../mlp/uploads.js";

export function transport(ctrl, epoch) {
  const b = ctrl.buffer;
  const total = b ? (b.done ? b.lastEpoch : b.epochs) : ctrl.state.training.epochs;
  const scr = $("#scrubber");
  if (Number(scr.max) !== total) scr.max = String(total);
  if (document.activeElement !== scr || ctrl.playback.playing) scr.value = String(epoch);
  const label = `${t("play.epochShort")} ${epoch} / ${b?.epochs ?? total}`;
  const out = $("#step-label");
  if (out.textContent !== label) out.textContent = label;
  const lang = getLang();
  const play = $("#play");
  const playing = ctrl.playback.playing;
  if (play.dataset.state !== `mlp${playing}${lang}`) {
    play.dataset.state = `mlp${playing}${lang}`;
    play.replaceChildren(icon(playing ? "pause" : "play", 20));
    play.title = t(playing ? "play.pause" : "play.play");
    play.setAttribute("aria-label", play.title);
  }
  const run = $("#run");
  const live = ctrl.client.streaming;
  if (run.dataset.live !== `mlp${live}${lang}`) {
    run.dataset.live = `mlp${live}${lang}`;
    run.querySelector(".txt").textContent = t(live ? "run.stop" : "run.train");
    run.querySelector(".ico").replaceChildren(icon(live ? "stop" : "play"));
    run.title = t("run.trainTitle");
  }
  const title = stageTitle(ctrl);
  if ($("#mlp-title").textContent !== title) {
    $("#mlp-title").textContent = title;
    $("#mlp-title").title = title; // a narrow stage cuts it to one line
  }
}

/** "Two moons · 2 → 16 → 16 → 2 · ReLU · He (Kaiming) normal" for the shown run (else the settings). */
export function stageTitle(ctrl) {
  const meta = ctrl.buffer?.meta;
  const cat = ctrl.cat;
  const m = ctrl.state;
  const ds = cat.dataset.get(meta?.dataset ? datasetFromRequest(meta.dataset).name : m.dataset.name);
  const act = cat.activation.get(meta?.layers?.[0]?.activation ?? m.model.activation);
  const parts = [pick(ds?.label) || m.dataset.name];
  if (meta?.sizes) parts.push(sizesText(meta.sizes));
  if (meta?.layers?.length > 1 && act) parts.push(pick(act.label));
  return parts.join(" \u00b7 ");
}

/**
 * The summary table and the screen-reader summaries. Summaries of the shown epoch wait
 * while the replay plays (they would be stale at once).
 */
export function drawSummaries(ctrl, epoch) {
  const b = ctrl.buffer;
  if (!b) return;
  const lang = getLang();
  const key = `${b.version}|${lang}|${ctrl.sel()}|${ctrl.labels.join()}`;
  if (b.done && key !== ctrl.summaryKey) {
    ctrl.summaryKey = key;
    ctrl.charts.setSummaries({ loss: lossSummary(b, ctrl.labels), acc: accSummary(b, ctrl.labels),
      lr: lrSummary(lrView(b), ctrl.labels), gradEpochs: gradSummary(b, ctrl.labels, b.lastEpoch) });
    renderMlpTable($("#mlp-table"), b.summary, ctrl.labels, { ...b.meta, lanes: ctrl.lanes }, ctrl.sel(), (i) => ctrl.selectLane(i));
  }
  const ekey = `${key}|${epoch}`;
  if (!ctrl.playback.playing && ekey !== ctrl.epochKey) {
    ctrl.epochKey = ekey;
    $("#sum-mlp-boundaries").textContent = boundarySummary(b, ctrl.labels, epoch);
    ctrl.charts.setSummaries({ gradLayers: gradSummary(b, ctrl.labels, epoch), hist: histSummary(b, ctrl.labels, epoch) });
  }
}

/** The race's learning-rate summary reads `series("lr", lane)` and `rows`: the same shape here. */
function lrView(b) {
  return { rows: b.rows, series: (field, lane) => b.series("lr", lane) };
}
