// Entry point: load the catalog and presets, read the state from the URL, start the app.

import { setLang, t } from "./i18n.js";
import { decodeState, indexCatalog } from "./state.js";
import { api } from "./ui/api.js";
import { App } from "./ui/app.js";

async function boot() {
  const status = document.getElementById("status");
  const params = new URLSearchParams(location.search);
  const guess = params.get("lang") ?? ((navigator.language ?? "").toLowerCase().startsWith("ko") ? "ko" : "en");
  setLang(guess);
  status.textContent = t("app.loading");
  let catalog;
  let presets = [];
  try {
    [catalog, presets] = await Promise.all([
      api.catalog(),
      api.presets().then((p) => p?.presets ?? []).catch(() => []),
    ]);
  } catch (e) {
    status.dataset.kind = "error";
    status.textContent = t("app.loadFailed", { message: e.message });
    return;
  }
  const cat = indexCatalog(catalog);
  const state = decodeState(cat, location.search, guess);
  const app = new App(cat, state, presets);
  window.descentlab = app; // for tests, benchmarks and the curious
  await app.start();
}

boot();
