// The student page (static/join.html): the join code, the name, then the live session
// (student_live.js). A join is kept in localStorage per code, so a reload rejoins silently.

import { getLang, setLang, t } from "../i18n.js";
import { decodeState, indexCatalog } from "../state.js";
import { api } from "../ui/api.js";
import { translate } from "../ui/dom.js";
import { sessionApi } from "./student_api.js";
import { codeFromPath, errorMessage, normalCode, parseStored, pickLang, storageKey } from "./student_logic.js";
import { codeForm, nameForm } from "./student_panels.js";
import { LiveSession } from "./student_live.js";

const $ = (id) => document.getElementById(id);

function stored(code) {
  try {
    return parseStored(localStorage.getItem(storageKey(code)));
  } catch {
    return null;
  }
}

function remember(code, rec) {
  try {
    if (rec) localStorage.setItem(storageKey(code), JSON.stringify(rec));
    else localStorage.removeItem(storageKey(code));
  } catch { /* private mode: the join lasts this page only */ }
}

class StudentPage {
  constructor() {
    this.gate = $("j-gate");
    this.code = null;
    this.live = null;
    this.cat = null;
    this.gateView = null; // () => re-render of the form shown (after a language switch)
  }

  async boot() {
    setLang(pickLang(location.search, navigator.language));
    $("j-lang").addEventListener("click", () => this.toggleLang());
    this.applyLang();
    try {
      this.cat = indexCatalog(await api.catalog());
    } catch (e) {
      this.showGate(() => [Object.assign(document.createElement("p"), { className: "j-msg error", textContent: errorMessage(e) })]);
      return;
    }
    const code = codeFromPath(location.pathname);
    if (code) this.start(code);
    else this.askCode();
  }

  toggleLang() {
    setLang(getLang() === "ko" ? "en" : "ko");
    const url = new URL(location.href);
    url.searchParams.set("lang", getLang());
    history.replaceState(null, "", url);
    this.applyLang();
    this.gateView?.();
    this.live?.relang();
  }

  applyLang() {
    document.documentElement.lang = getLang();
    translate(document);
    const btn = $("j-lang");
    btn.textContent = getLang() === "ko" ? "English" : "한국어";
    btn.lang = getLang() === "ko" ? "en" : "ko";
    if (!this.live) document.title = `${t("join.title")} · DescentLab`;
  }

  showGate(build) {
    this.gateView = () => {
      const parts = build();
      this.gate.replaceChildren(...parts.map((p) => p.el ?? p));
      parts.find((p) => p.focus)?.focus();
    };
    this.gate.hidden = false;
    $("j-live").hidden = true;
    this.gateView();
  }

  askCode(error = null, value = "") {
    this.showGate(() => [codeForm({ value, error: error?.() ?? null }, (text) => {
      const code = normalCode(text);
      if (!code) return this.askCode(() => t("join.code.bad"), text);
      const url = new URL(location.href);
      url.pathname = `/join/${code}`;
      history.replaceState(null, "", url);
      return this.start(code);
    })]);
  }

  askName(error = null, value = "", busy = false) {
    this.showGate(() => [nameForm({ code: this.code, value, error: error?.() ?? null, busy }, (text) => this.join(text))]);
  }

  /** A code: rejoin with the stored token, or check the session exists and ask the name. */
  async start(code) {
    this.code = code;
    const rec = stored(code);
    if (rec) {
      try {
        const me = await sessionApi.me(code, rec.student_token);
        return this.enter({ ...rec, name: me.name ?? rec.name }, me);
      } catch (e) {
        if (![401, 403, 404].includes(e.status)) return this.enter(rec, null); // offline for now: the stream retries
        remember(code, null);
      }
    }
    try {
      await sessionApi.state(code);
    } catch (e) {
      if (e.status === 404) return this.askCode(() => t("join.gone", { code }), code);
      return this.askCode(() => errorMessage(e), code);
    }
    return this.askName();
  }

  async join(text) {
    const name = String(text ?? "").trim();
    if (!name) return this.askName(() => t("join.name.empty"));
    this.askName(null, name, true);
    let rec;
    try {
      rec = await sessionApi.join(this.code, name);
    } catch (e) {
      if (e.status === 404) return this.askCode(() => t("join.gone", { code: this.code }), this.code);
      if (e.status === 429) return this.askName(() => t("join.err.full", { s: Math.ceil(e.retryAfter ?? 5) }), name);
      return this.askName(() => errorMessage(e), name);
    }
    const record = { student_id: rec.student_id, student_token: rec.student_token, name: rec.name ?? name };
    remember(this.code, record);
    return this.enter(record, null);
  }

  /** Joined: the live page follows the teacher. */
  enter(rec, me) {
    this.gate.hidden = true;
    this.gate.replaceChildren();
    this.gateView = null;
    $("j-live").hidden = false;
    const base = decodeState(this.cat, "", getLang());
    this.live = new LiveSession({ cat: this.cat, base, code: this.code, me: rec, meState: me,
      onLost: (why) => {
        remember(this.code, null);
        this.live?.stop();
        this.live = null;
        if (why === "auth") this.askName(() => t("join.err.auth"));
        else this.askCode(() => t("join.gone", { code: this.code }), this.code);
      } });
    this.live.start();
  }
}

new StudentPage().boot();
