// Cursor overlays over a Plotly chart's plot area: the "future" veil and the step cursor are
// absolutely placed divs, moved with CSS only, so playback never asks Plotly to redraw.

/** Fit chart `c`'s veil and cursor to the plot area; the new placement when it changed. */
export function fitOverlay(c, xa, ya) {
  const box = `${xa._offset},${ya._offset},${xa._length},${ya._length}`;
  if (box === c.box) return null;
  c.box = box;
  const place = { top: `${ya._offset}px`, height: `${ya._length}px` };
  Object.assign(c.veilBox.style, place, { left: `${xa._offset}px`, width: `${xa._length}px`, display: "block" });
  Object.assign(c.cursor.style, place, { display: "block" });
  return place;
}
