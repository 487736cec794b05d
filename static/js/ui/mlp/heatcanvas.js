// Paint a lane's boundary grid on a canvas under its Plotly panel: the heatmap as a small
// image scaled up with smoothing, the p = 0.5 boundary as line segments, or a 1-D fit as a
// line. The traces are the same ones the exported figure uses (mlp/boundary_fig.js).

import { contourSegments, rasterize } from "../../mlp/raster.js";

const scratch = typeof document !== "undefined" ? document.createElement("canvas") : null;

/** Place `canvas` over the plot area of Plotly div `gd` (under its SVG); false if not laid out. */
export function placeCanvas(canvas, gd) {
  const xa = gd._fullLayout?.xaxis;
  const ya = gd._fullLayout?.yaxis;
  const container = gd.querySelector(".svg-container");
  if (!xa?._length || !ya?._length || !container) return false;
  if (canvas.parentNode !== container) container.prepend(canvas);
  const dpr = window.devicePixelRatio || 1;
  Object.assign(canvas.style, { left: `${xa._offset}px`, top: `${ya._offset}px`, width: `${xa._length}px`, height: `${ya._length}px` });
  const w = Math.round(xa._length * dpr);
  const h = Math.round(ya._length * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.axes = { x: xa.range, y: ya.range, dpr };
  return true;
}

/** Draw `traces` (heatmap / contour / line, as from gridTraces) on a placed canvas. */
export function paintTraces(canvas, traces) {
  const ctx = canvas.getContext("2d");
  const { x: xr, y: yr, dpr } = canvas.axes ?? { x: [0, 1], y: [0, 1], dpr: 1 };
  const W = canvas.width;
  const H = canvas.height;
  const px = (v) => ((v - xr[0]) / (xr[1] - xr[0])) * W;
  const py = (v) => H - ((v - yr[0]) / (yr[1] - yr[0])) * H;
  ctx.clearRect(0, 0, W, H);
  for (const tr of traces) {
    if (tr.type === "heatmap") {
      const img = rasterize(tr.z, tr.zmin, tr.zmax, tr.colorscale);
      scratch.width = img.width;
      scratch.height = img.height;
      scratch.getContext("2d").putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
      const cw = (px(tr.x[tr.x.length - 1]) - px(tr.x[0])) / Math.max(1, tr.x.length - 1);
      const ch = (py(tr.y[0]) - py(tr.y[tr.y.length - 1])) / Math.max(1, tr.y.length - 1);
      ctx.save();
      ctx.globalAlpha = tr.opacity ?? 1;
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(scratch, px(tr.x[0]) - cw / 2, py(tr.y[tr.y.length - 1]) - ch / 2,
        px(tr.x[tr.x.length - 1]) - px(tr.x[0]) + cw, py(tr.y[0]) - py(tr.y[tr.y.length - 1]) + ch);
      ctx.restore();
    } else if (tr.type === "contour") {
      ctx.beginPath();
      for (const [x0, y0, x1, y1] of contourSegments(tr.x, tr.y, tr.z, tr.contours.start)) {
        ctx.moveTo(px(x0), py(y0));
        ctx.lineTo(px(x1), py(y1));
      }
      ctx.strokeStyle = tr.line.color;
      ctx.lineWidth = tr.line.width * dpr;
      ctx.lineCap = "round";
      ctx.stroke();
    } else if (tr.mode === "lines") {
      const span = yr[1] - yr[0];
      const cy = (y) => py(Math.max(yr[0] - 10 * span, Math.min(yr[1] + 10 * span, y))); // far off-chart stays drawable
      ctx.beginPath();
      tr.x.forEach((x, i) => {
        const y = tr.y[i];
        if (y === null || !Number.isFinite(y)) return;
        if (i === 0 || !Number.isFinite(tr.y[i - 1])) ctx.moveTo(px(x), cy(y));
        else ctx.lineTo(px(x), cy(y));
      });
      ctx.strokeStyle = tr.line.color;
      ctx.lineWidth = tr.line.width * dpr;
      ctx.lineJoin = "round";
      ctx.stroke();
    }
  }
}
