// The dashboard's one state store: the state (mirrored in the URL) changes only through
// `set` (view settings: a patch of top-level keys) and `edit` (a run's settings, changed in
// place under a topic such as "race"); each change tells the subscribers of its keys, in
// the order they subscribed, what changed. Who redraws what is therefore written in one
// place (ui/wiring.js), not routed by hand. Pure: no DOM.

export class Store {
  constructor(state) {
    this.state = state;
    this.subs = [];
  }

  /**
   * Call fn(change) after every change that names one of `topics` ("*": every change).
   * `change` is {keys: Set of the keys (or the topic) changed, before: a shallow copy of the
   * state before, detail: the patch or the edit's options, state}. Returns an unsubscribe.
   */
  on(topics, fn) {
    const sub = { topics: new Set(topics), fn };
    this.subs.push(sub);
    return () => {
      this.subs = this.subs.filter((s) => s !== sub);
    };
  }

  /** View settings: assign `patch` and tell every key it names (changed or not). */
  set(patch) {
    const before = { ...this.state };
    Object.assign(this.state, patch);
    this.publish(new Set(Object.keys(patch)), before, patch);
  }

  /** A run's settings: `mutator(state)` edits in place, then the topic's subscribers run. */
  edit(topic, mutator, opts = {}) {
    const before = { ...this.state };
    mutator(this.state);
    this.publish(new Set([topic]), before, opts);
  }

  publish(keys, before, detail) {
    const change = { keys, before, detail, state: this.state };
    for (const sub of [...this.subs]) {
      if (sub.topics.has("*") || [...keys].some((k) => sub.topics.has(k))) sub.fn(change);
    }
  }
}
