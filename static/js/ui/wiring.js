// What changed → what redraws: every subscription of the dashboard to its state store, in
// one place and in the order they run. `app.setView(patch)` (view settings) and
// `app.change(mutator, opts)` (the race's settings, topic "race") only publish; the MLP
// tab's settings publish under "mlp" (ui/mlp/controller.js).

import { setLang } from "../i18n.js";
import { MAX_STARTS } from "../state.js";
import { $, translate } from "./dom.js";

export function wire(app) {
  const on = (topics, fn) => app.store.on(topics, fn);

  // the race's settings: the controls that show them, the basin map, the URL, a re-run
  on(["race"], ({ state, detail }) => {
    state.starts = state.starts.slice(0, MAX_STARTS);
    if (detail.rerender) app.renderControls();
    else if (detail.sidebar) {
      app.controls.render(state, app.info);
      app.lanesView.render(state);
    } else app.strip.render(state);
    app.basins.markStale();
    app.saveUrl();
    if (detail.surface) app.loadSurface().then(() => app.rerun(detail.mark));
    else app.rerun(detail.mark);
  });

  // the MLP tab's settings (its controller redraws its controls and re-runs)
  on(["mlp"], ({ detail }) => app.mlp.edited(detail));

  // view settings, in this order: language, then what language, theme and projector restyle
  on(["lang"], ({ state, before }) => {
    if (state.lang === before.lang) return;
    setLang(state.lang);
    translate(document);
    app.status.retranslate();
    app.lessonPanel.render();
    app.session?.retranslate();
    if ($("#keys-dialog").open) app.showHelp();
  });
  on(["lang", "theme", "projector"], ({ state, before, keys }) => {
    const langChanged = keys.has("lang") && state.lang !== before.lang;
    if (!langChanged && !keys.has("theme") && !keys.has("projector")) return;
    app.applyViewClasses();
    app.renderControls();
    app.relabel();
    if (app.basins.result || (langChanged && state.tab === "basins")) app.basins.render(app.basinCtx());
  });
  on(["view", "tab", "hide"], () => app.applyViewClasses());
  on(["logy"], ({ state }) => {
    app.charts.setOptions({ logy: state.logy });
    if (app.logBox) app.logBox.checked = state.logy;
  });
  on(["speed"], ({ state }) => app.playback.setSpeed(state.speed));
  // a class session's students follow the view settings
  on(["lang", "theme", "projector", "view", "logy"], () => app.session?.pushView());
  on(["tab"], ({ state, before }) => {
    if (state.tab === "basins") {
      if (!app.basins.result && !app.basins.busy) app.basins.run(app.basinCtx());
      else app.basins.render(app.basinCtx());
    }
    if ((state.tab === "mlp") !== (before.tab === "mlp")) app.status.swap(before.tab === "mlp", state.tab === "mlp");
    if (state.tab === "sweep" && before.tab !== "sweep") app.sweep?.show(before.tab);
  });
  // the Sweep tab and the range test: their words, theme and sizes
  on(["lang", "theme", "projector"], () => { app.sweep?.restyle(); app.mlp?.lrFinder?.restyle(); });
  // the MLP tab: shown when it opens, told of every other view change
  on(["*"], ({ keys, state, before, detail }) => {
    if (keys.has("race") || keys.has("mlp")) return;
    if (keys.has("tab") && state.tab === "mlp" && before.tab !== "mlp") app.mlp.show();
    else app.mlp.onView(detail);
    app.saveUrl();
    app.invalidate();
  });
}
