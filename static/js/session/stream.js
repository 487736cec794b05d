// A class session's event stream (the student's page and the teacher's panel): `state`, `guesses`, `leaderboard`, `end`.
// The browser resumes a dropped stream itself (Last-Event-ID); when it gives up (the
// server answered with an error), `onLost` decides: a gone session ends, else we reconnect.

const EVENTS = ["state", "guesses", "leaderboard"];

export class SessionStream {
  /** handlers: {state, guesses, leaderboard, end(data), status("live" | "reconnecting"), lost()} */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.es = null;
    this.closed = false;
    this.timer = null;
  }

  open() {
    if (this.closed) return;
    const es = new EventSource(this.url);
    this.es = es;
    const parse = (ev) => {
      try {
        return JSON.parse(ev.data);
      } catch {
        return null;
      }
    };
    for (const name of EVENTS) {
      es.addEventListener(name, (ev) => {
        const data = parse(ev);
        if (data && !this.closed) this.handlers[name]?.(data);
      });
    }
    es.addEventListener("end", (ev) => {
      const data = parse(ev) ?? { reason: "ended" };
      this.close();
      this.handlers.end?.(data);
    });
    es.addEventListener("open", () => this.handlers.status?.("live"));
    es.addEventListener("error", () => {
      if (this.closed) return;
      this.handlers.status?.("reconnecting");
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        this.handlers.lost?.();
      }
    });
  }

  /** Open again in `ms` (after a lost stream whose session still exists). */
  retry(ms = 2000) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), ms);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.es?.close();
  }
}
