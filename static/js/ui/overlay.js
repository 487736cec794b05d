// Canvas drawing over the surface plot: paths while they move, heads, divergence marks,
// hover rings and the step inspector's arrows. Called once per animation frame.

import { CANVAS_FONT, canvasDash } from "../colors.js";
import { t } from "../i18n.js";
import { divergedMarks, laneView } from "../surface_fig.js";
import { arrowGeometry, screenDirection } from "../surfacemath.js";

export function drawOverlay(ctx, axes, o) {
  const { buffer, lanes, frame, colors, sizes } = o;
  if (!buffer || !lanes.length) return;
  const [bx, by, bw, bh] = axes.box;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bx - 1, by - 1, bw + 2, bh + 2);
  ctx.clip();
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  const domain = o.info?.domain ?? null;
  const views = lanes.map((_, i) => laneView(buffer, i, frame.cursor, domain));
  if (o.showPaths) lanes.forEach((lane, i) => drawPath(ctx, axes, views[i], lane, colors, sizes));
  if (o.heads) lanes.forEach((lane, i) => drawHead(ctx, axes, views[i].head, lane, colors, sizes));
  if (frame.selected !== null && frame.selected !== undefined && frame.selected < lanes.length) {
    drawSelection(ctx, axes, views[frame.selected].head, colors, sizes);
    if (frame.arrows) drawArrows(ctx, axes, buffer, frame.selected, frame.cursor, lanes[frame.selected], colors, sizes, o.projector, frame.momentum);
  }
  if (frame.hoverStep !== null && frame.hoverStep !== undefined) {
    lanes.forEach((lane, i) => {
      const r = buffer.headRow(i, Math.min(frame.hoverStep, frame.cursor));
      const p = r >= 0 ? buffer.vector("xy", i, r) : null;
      if (!p) return;
      ring(ctx, axes.x(p[0]), axes.y(p[1]), sizes.head + 6, lane.color, colors.halo, sizes.line);
    });
  }
  ctx.restore();
  if (o.showPaths) {
    for (const m of divergedMarks(buffer, frame.cursor, lanes, domain)) drawDiverged(ctx, axes, m, o);
  }
}

function drawPath(ctx, axes, view, style, colors, sizes) {
  const xs = view.x;
  const ys = view.y;
  if (xs.length < 2) return;
  const trace = () => {
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k];
      const y = ys[k];
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      const px = axes.x(x);
      const py = axes.y(y);
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
  };
  const dash = canvasDash(style.start, sizes.line / 2.2);
  trace();
  ctx.setLineDash(dash);
  ctx.strokeStyle = colors.halo;
  ctx.lineWidth = sizes.halo;
  ctx.stroke();
  ctx.strokeStyle = style.color;
  ctx.lineWidth = sizes.line;
  ctx.stroke();
  ctx.setLineDash([]);
}

function drawHead(ctx, axes, p, style, colors, sizes) {
  if (!p) return;
  ctx.beginPath();
  ctx.arc(axes.x(p[0]), axes.y(p[1]), sizes.head * 0.8, 0, Math.PI * 2);
  ctx.fillStyle = style.color;
  ctx.fill();
  ctx.lineWidth = Math.max(2, sizes.line * 0.8);
  ctx.strokeStyle = colors.paper;
  ctx.stroke();
}

function ring(ctx, x, y, radius, color, halo, width) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  ctx.lineWidth = width + 3;
  ctx.strokeStyle = halo;
  ctx.stroke();
  ctx.lineWidth = width;
  ctx.strokeStyle = color;
  ctx.stroke();
}

function drawSelection(ctx, axes, p, colors, sizes) {
  if (!p) return;
  ctx.setLineDash([4, 4]);
  ring(ctx, axes.x(p[0]), axes.y(p[1]), sizes.head + 12, colors.text, colors.paper, 2);
  ctx.setLineDash([]);
}

function drawArrows(ctx, axes, buffer, lane, k, style, colors, sizes, projector, momentum) {
  if (k < 1) return;
  const from = buffer.vector("xy", lane, k - 1);
  const to = buffer.vector("xy", lane, k);
  if (!from) return;
  const x0 = axes.x(from[0]);
  const y0 = axes.y(from[1]);
  const len = projector ? 110 : 75;
  const head = projector ? 16 : 11;
  const flipY = (v) => (v ? [v[0], -v[1]] : null); // data y up, pixels y down
  const arrows = [];
  const g = screenDirection(flipY(buffer.vector("grad", lane, k)), len, true);
  if (g) arrows.push({ d: g, color: colors.text, label: "\u2212\u2207f", dash: [] });
  const m = momentum ? screenDirection(flipY(buffer.vector("m", lane, k)), len * 0.8, true) : null;
  if (m) arrows.push({ d: m, color: colors.muted, label: "\u2212m", dash: [6, 4] });
  if (to) arrows.push({ d: [axes.x(to[0]) - x0, axes.y(to[1]) - y0], color: style.color, label: "\u0394\u03b8", dash: [], thick: true });
  ctx.font = `600 ${projector ? 20 : 14}px ${CANVAS_FONT}`;
  const placed = [];
  for (const a of arrows) {
    const geo = arrowGeometry(x0, y0, x0 + a.d[0], y0 + a.d[1], head);
    if (!geo) continue;
    for (const [w, c] of [[(a.thick ? 6 : 4) + 3, colors.paper], [a.thick ? 6 : 3, a.color]]) {
      ctx.setLineDash(a.dash);
      ctx.beginPath();
      ctx.moveTo(...geo.shaft[0]);
      ctx.lineTo(...geo.shaft[1]);
      ctx.lineWidth = w * (projector ? 1.4 : 1);
      ctx.strokeStyle = c;
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(...geo.head[0]);
      ctx.lineTo(...geo.head[1]);
      ctx.lineTo(...geo.head[2]);
      ctx.closePath();
      ctx.fillStyle = c;
      ctx.fill();
      if (c === colors.paper) {
        ctx.lineWidth = 3;
        ctx.strokeStyle = c;
        ctx.stroke();
      }
    }
    const n = Math.hypot(a.d[0], a.d[1]) || 1;
    let lx = x0 + a.d[0] + (a.d[0] / n) * 14 - 8;
    let ly = y0 + a.d[1] + (a.d[1] / n) * 14 + 5;
    const [bx, by, bw, bh] = axes.box;
    lx = Math.min(Math.max(lx, bx + 4), bx + bw - 30);
    ly = Math.min(Math.max(ly, by + 16), by + bh - 4);
    while (placed.some(([px, py]) => Math.abs(px - lx) < 34 && Math.abs(py - ly) < 18)) ly += 18;
    placed.push([lx, ly]);
    ctx.lineWidth = 4;
    ctx.strokeStyle = colors.paper;
    ctx.strokeText(a.label, lx, ly);
    ctx.fillStyle = a.color;
    ctx.fillText(a.label, lx, ly);
  }
}

/** A ✕ in the lane's colour where it diverged (or left the view), and its placed label. */
function drawDiverged(ctx, axes, m, o) {
  const x = axes.x(m.at[0]);
  const y = axes.y(m.at[1]);
  const s = o.sizes.head * 1.1;
  ctx.lineCap = "round";
  for (const [w, c] of [[o.projector ? 9 : 6, o.colors.paper], [o.projector ? 5 : 3.5, m.lane.color]]) {
    ctx.beginPath();
    ctx.moveTo(x - s, y - s);
    ctx.lineTo(x + s, y + s);
    ctx.moveTo(x + s, y - s);
    ctx.lineTo(x - s, y + s);
    ctx.lineWidth = w;
    ctx.strokeStyle = c;
    ctx.stroke();
  }
  const text = t("plot.diverged", { k: m.step });
  ctx.font = `600 ${o.sizes.text}px ${CANVAS_FONT}`;
  const box = o.sizes.text * 0.8; // the lane's colour square before the words
  const w = ctx.measureText(text).width + box + 6;
  const [bx, by, bw, bh] = axes.box;
  const line = o.sizes.text + 4;
  let tx = m.h === "right" ? x + s : m.h === "left" ? x - s - w : x - w / 2;
  tx = Math.min(Math.max(tx, bx + 2), bx + bw - w - 2);
  let ty = m.v === "below" ? y + s + o.sizes.text + 2 + m.slot * line : y - s - 4 - m.slot * line;
  ty = Math.min(Math.max(ty, by + o.sizes.text), by + bh - 2);
  ctx.fillStyle = m.lane.color;
  ctx.fillRect(tx, ty - box, box, box);
  ctx.lineWidth = 4;
  ctx.strokeStyle = o.colors.paper;
  ctx.strokeText(text, tx + box + 6, ty);
  ctx.fillStyle = o.colors.text;
  ctx.fillText(text, tx + box + 6, ty);
}
