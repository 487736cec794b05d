// The lesson panel: a picker of every preset grouped by topic, and the chosen preset's title,
// explanation and "what to watch" caption in the current language. Lesson views that need
// their own numbers (gradient check, training loop, accuracy vs loss) render below it.

import { pick, t } from "../i18n.js";
import { h } from "./dom.js";
import { LessonExtra } from "./lesson_extra.js";
import "./lesson_views.js";
import { Predict } from "./predict.js";
import { applyPreset } from "./lessons.js";

export class LessonPanel {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.preset = null;
    this.root.hidden = !app.presets.length;
    this.select = h("select", { id: "lesson-select", dataset: { testid: "lesson-select" },
      onchange: () => {
        const p = app.presets.find((x) => x.id === this.select.value);
        if (p) applyPreset(app, p);
        else app.closeLesson();
      } });
    this.label = h("label", { for: "lesson-select", class: "lesson-label" });
    this.title = h("h2", { class: "lesson-title", dataset: { testid: "lesson-title" } });
    this.text = h("p", { class: "lesson-text", dataset: { testid: "lesson-explanation" } });
    this.watch = h("p", { class: "lesson-watch", dataset: { testid: "lesson-watch" } });
    this.extraRoot = h("div", { class: "lesson-extra", dataset: { testid: "lesson-extra" } });
    this.extra = new LessonExtra(this.extraRoot, app);
    this.predictRoot = h("div", { class: "lesson-predict", dataset: { testid: "lesson-predict" }, hidden: true });
    this.predict = new Predict(this.predictRoot, app);
    this.body = h("div", { class: "lesson-body" }, this.title, this.text, this.watch, this.predictRoot);
    root.replaceChildren(h("div", { class: "lesson-pick" }, this.label, this.select), this.body, this.extraRoot);
    this.render();
  }

  /** Show preset p (its texts, and its lesson view when it has one). */
  show(p) {
    this.preset = p;
    this.render();
    this.extra.show(p);
    this.predict.start(p);
  }

  /** Every text in the current language (called again when the language changes). */
  render() {
    const { topics, presets } = this.app.lessons;
    const byId = new Map(presets.map((p) => [p.id, p]));
    this.label.textContent = t("lesson.pick");
    const groups = [...topics].sort((a, b) => a.order - b.order).map((tp) => h("optgroup", { label: pick(tp.title) },
      tp.presets.map((id) => byId.get(id)).filter(Boolean)
        .map((p, i) => h("option", { value: p.id }, `${i + 1}. ${pick(p.title)}`))));
    this.select.replaceChildren(h("option", { value: "" }, t("lesson.none")), ...groups);
    this.select.value = this.preset?.id ?? "";
    const p = this.preset;
    this.body.hidden = !p;
    this.root.classList.toggle("has-lesson", !!p);
    if (p) {
      const topic = topics.find((tp) => tp.id === p.topic);
      this.title.textContent = topic ? `${pick(topic.title)} \u203a ${pick(p.title)}` : pick(p.title);
      this.text.textContent = pick(p.explanation);
      this.watch.replaceChildren(h("strong", {}, t("lesson.watch")), " ", pick(p.watch));
    }
    this.extra.render();
    this.predict.render();
  }
}
