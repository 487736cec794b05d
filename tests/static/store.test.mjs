import assert from "node:assert/strict";
import { test } from "node:test";

import { Store } from "../../static/js/store.js";

test("set tells the subscribers of the keys it names, in subscription order", () => {
  const s = new Store({ lang: "en", theme: "light", tab: "race" });
  const seen = [];
  s.on(["lang"], ({ state, before }) => seen.push(`lang ${before.lang}→${state.lang}`));
  s.on(["theme", "tab"], ({ keys }) => seen.push(`look ${[...keys].join(",")}`));
  s.on(["*"], ({ detail }) => seen.push(`all ${JSON.stringify(detail)}`));
  s.set({ lang: "ko" });
  s.set({ tab: "mlp", speed: 2 });
  assert.deepEqual(seen, ['lang en→ko', 'all {"lang":"ko"}', "look tab,speed", 'all {"tab":"mlp","speed":2}']);
  assert.equal(s.state.tab, "mlp");
});

test("a key named but unchanged is still told (view buttons press again)", () => {
  const s = new Store({ logy: true });
  let n = 0;
  s.on(["logy"], () => n++);
  s.set({ logy: true });
  assert.equal(n, 1);
});

test("edit mutates in place and tells its topic with the options; unsubscribe stops it", () => {
  const state = { steps: 100, lanes: [{ lr: 0.1 }] };
  const s = new Store(state);
  const got = [];
  const off = s.on(["race"], ({ detail, before, state: st }) => got.push([detail.surface, before.steps, st.steps]));
  s.on(["mlp"], () => got.push("mlp"));
  s.edit("race", (st) => { st.steps = 200; st.lanes[0].lr = 0.2; }, { surface: true });
  assert.deepEqual(got, [[true, 100, 200]]);
  assert.equal(state.lanes[0].lr, 0.2);
  off();
  s.edit("race", (st) => { st.steps = 300; });
  assert.deepEqual(got, [[true, 100, 200]]);
});
