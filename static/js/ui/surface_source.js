// Where a surface's picture comes from: a catalogue surface's info (from the catalog) and
// grid (GET /api/surfaces/{name}/grid), or a formula's check (POST /api/formulas/check).

import { t } from "../i18n.js";
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
