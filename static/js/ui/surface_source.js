// Where a surface's picture comes from: a catalogue surface's info (from the catalog) and
// grid (GET /api/surfaces/{name}/grid), or a formula's check (POST /api/formulas/check).

import { t } from "../i18n.js";
import { inDomainAll } from "../state.js";
import { api } from "./api.js";

/** {info, grid, note}: note is a message worth showing (the grid could not be had). */
export async function fetchSurface(cat, surface) {
  if (surface.formula !== undefined && surface.formula !== null) {
    let res;
    let note = null;
    try {
      res = await api.checkFormula(surface.formula, surface.domain, 120);
    } catch {
      res = await api.checkFormula(surface.formula, surface.domain, 0); // race without a picture
      note = t("formula.noGrid");
    }
    if (!res.ok) throw new Error(res.message);
    return { info: res.surface, grid: res.grid ?? null, note };
  }
  const info = cat.surface.get(surface.name);
  return { info, grid: await api.grid(surface.name, surface.params ?? {}), note: null };
}

/** Fetch the app's surface (info and grid) and show it; the newest call wins. */
export async function loadSurface(app) {
  const seq = ++app.surfaceSeq;
  let info;
  let grid;
  try {
    const got = await fetchSurface(app.cat, app.state.surface);
    ({ info, grid } = got);
    if (got.note && seq === app.surfaceSeq) app.status.show("error", { message: got.note });
  } catch (e) {
    if (seq === app.surfaceSeq) app.status.error(e);
    return;
  }
  if (seq !== app.surfaceSeq) return;
  app.info = info;
  if (!inDomainAll(app.state.starts, info.domain) && info.starts?.length) {
    app.state.starts = [info.starts[0].slice()];
    app.saveUrl();
  }
  app.surface.setSurface(info, grid);
  app.surface.setStarts(app.state.starts);
  app.controls.renderStarts(app.state, info); // not the rest: someone may be typing there
  app.renderTitle();
  app.invalidate();
}
