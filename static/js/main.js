// Entry point: load the catalog and presets, read the state from the URL, start the app.

import { setLang, t } from "./i18n.js";
import { decodeState, hasRace, indexCatalog } from "./state.js";
import { api } from "./ui/api.js";
import { App } from "./ui/app.js";
import { presetState } from "./ui/lessons.js";
import { addUploads } from "./mlp/uploads.js";

async function boot() {
  const status = document.getElementById("status");
  const params = new URLSearchParams(location.search);
  const guess = params.get("lang") ?? ((navigator.language ?? "").toLowerCase().startsWith("ko") ? "ko" : "en");
  setLang(guess);
  status.textContent = t("app.loading");
  let catalog;
  let lessons = { topics: [], presets: [] };
  let lesson = null;
  let uploads = null;
  const presetId = params.get("preset");
  try {
    [catalog, lessons, lesson, uploads] = await Promise.all([
      api.catalog(),
      api.presets().then((p) => ({ topics: p?.topics ?? [], presets: p?.presets ?? [] })).catch(() => lessons),
      presetId ? api.preset(presetId).catch(() => null) : null,
      api.datasets().catch(() => null), // uploaded CSVs join the MLP view's dataset picker
    ]);
  } catch (e) {
    status.dataset.kind = "error";
    status.textContent = t("app.loadFailed", { message: e.message });
    return;
  }
  const cat = indexCatalog(catalog);
  addUploads(cat, uploads?.datasets ?? []);
  let state = decodeState(cat, location.search, guess);
  // ?preset=<id> alone opens the lesson's run and view; with a race in the URL too (a link
  // copied inside a lesson, perhaps after edits) the lesson panel opens on that exact race
  if (lesson && !hasRace(location.search)) state = presetState(cat, lesson, state);
  else if (lesson) state.preset = lesson.id;
  const app = new App(cat, state, lessons, lesson);
  window.descentlab = app; // for tests, benchmarks and the curious
  // a click on Run race before the app was wired (index.html notes it) is carried out now
  const run = () => window.descentlabEarlyRun === true;
  await app.start({ run: run() && !app.onMlp });
  window.descentlabEarlyRun = false;
}

boot();
