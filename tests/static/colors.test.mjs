import assert from "node:assert/strict";
import { test } from "node:test";

import {
  basinColor, basinColorscale, BASIN_PALETTE, laneColor, OKABE_ITO, surfaceColorscale, withAlpha,
} from "../../static/js/colors.js";

test("lanes use the Okabe–Ito palette in the service's order", () => {
  assert.deepEqual(OKABE_ITO, ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442", "#000000"]);
  assert.equal(laneColor(0), "#E69F00");
  assert.equal(laneColor(9), OKABE_ITO[1]);
});

test("black lanes turn light on the dark theme, others keep their colour", () => {
  assert.equal(laneColor(7, "light"), "#000000");
  assert.notEqual(laneColor(7, "dark"), "#000000");
  assert.equal(laneColor(2, "dark"), laneColor(2, "light"));
});

test("withAlpha writes integer rgba", () => {
  assert.equal(withAlpha("#E69F00", 0.5), "rgba(230, 159, 0, 0.5)");
  assert.equal(withAlpha("#fff", 1), "rgba(255, 255, 255, 1)");
});

test("the surface colour scale spans 0..1 with increasing stops", () => {
  for (const theme of ["light", "dark"]) {
    for (const log of [false, true]) {
      const cs = surfaceColorscale(theme, false, log);
      assert.equal(cs[0][0], 0);
      assert.equal(cs.at(-1)[0], 1);
      for (let i = 1; i < cs.length; i++) assert.ok(cs[i][0] > cs[i - 1][0]);
    }
  }
});

/** The colour the stepped scale gives to integer label z. */
function colourAt(scale, z) {
  const f = (z - scale.zmin) / (scale.zmax - scale.zmin);
  let colour = scale.colorscale[0][1];
  for (const [stop, c] of scale.colorscale) if (stop <= f + 1e-12) colour = c;
  return colour;
}

test("basin maps give every label (minimum, diverged, not converged) its own colour", () => {
  const scale = basinColorscale(4);
  for (const label of [-2, -1, 0, 1, 2, 3]) {
    const f = (label - scale.zmin) / (scale.zmax - scale.zmin);
    // the middle of the label's band carries exactly basinColor(label)
    const inBand = scale.colorscale.filter(([s]) => s <= f + 1e-12).at(-1)[1];
    assert.equal(inBand, basinColor(label), `label ${label}`);
    assert.equal(colourAt(scale, label), basinColor(label));
  }
  assert.equal(basinColor(0), BASIN_PALETTE[0]);
  assert.notEqual(basinColor(-1), basinColor(-2));
});
