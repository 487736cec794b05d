// The service's HTTP API: JSON requests with problem messages, 429 retries, the SSE stream.

export class ApiError extends Error {
  constructor(status, message, detail = null, retryAfter = null) {
    super(message);
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/**
 * One JSON request; an error answer is an ApiError with the server's message (which names
 * the field), status, detail and Retry-After. `token`: sent as a Bearer header (class
 * sessions); `raw`: the body as a Blob (a CSV download).
 */
export async function request(method, url, body, { signal, token, raw = false } = {}) {
  const headers = body === undefined ? {} : { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(url, { method, signal, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "network");
  }
  if (raw && res.ok) return res.blob();
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const retry = res.headers.has("Retry-After") ? Number(res.headers.get("Retry-After")) : NaN;
    throw new ApiError(res.status, data?.message ?? `HTTP ${res.status}`, data?.detail ?? null,
      Number.isFinite(retry) ? retry : null);
  }
  return data;
}

/**
 * A request that waits and tries again while the server answers 429 (too many runs),
 * telling `onBusy(seconds)` each time.
 */
async function withRetry(fn, { onBusy, signal, tries = 5 } = {}) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 429 || i >= tries) throw e;
      const s = Math.max(1, e.retryAfter ?? 1);
      onBusy?.(s);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, s * 1000);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new DOMException("aborted", "AbortError"));
        }, { once: true });
      });
    }
  }
}

export const api = {
  catalog: () => request("GET", "/api/catalog"),
  presets: () => request("GET", "/api/presets"),
  preset: (id) => request("GET", `/api/presets/${encodeURIComponent(id)}`),
  lesson: (endpoint, body) => request("POST", `/api/lessons/${endpoint}`, body),
  grid: (name, params = {}, n = 120) => {
    const q = new URLSearchParams({ n: String(n), ...Object.fromEntries(
      Object.entries(params).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)])) });
    return request("GET", `/api/surfaces/${encodeURIComponent(name)}/grid?${q}`);
  },
  checkFormula: (formula, domain, gridN = 120, opts) =>
    request("POST", "/api/formulas/check", domain ? { formula, domain, grid_n: gridN } : { formula, grid_n: gridN }, opts),
  /** POST /api/runs?wait=true&persist=false: the whole result at once, kept out of the history. */
  runNow: (body, opts = {}) => {
    const fields = opts.fields ? `&fields=${opts.fields.join(",")}` : "";
    return withRetry(() => request("POST", `/api/runs?wait=true&persist=false${fields}`, body, opts), opts);
  },
  /** GET /api/runs/{id}?fields=...: more arrays of a finished run (a lean re-run's details). */
  arrays: (id, fields, opts = {}) =>
    request("GET", `/api/runs/${encodeURIComponent(id)}?fields=${fields.join(",")}`, undefined, opts),
  /** POST /api/runs: the id and links; stream it with stream(). */
  start: (body, opts = {}) => withRetry(() => request("POST", "/api/runs", body, opts), opts),
  cancel: (id) => request("POST", `/api/runs/${encodeURIComponent(id)}/cancel`).catch(() => null),
  basins: (body, opts = {}) => withRetry(() => request("POST", "/api/basins", body, opts), opts),
  /** GET /api/datasets: the uploaded CSVs (the upload box posts new ones: mlp/upload_box.js). */
  datasets: () => request("GET", "/api/datasets"),
};

/**
 * Stream a run's events. handlers: {meta, frame, diverged, done, error}. Returns a close()
 * function; the EventSource is closed on `done` and `error` too.
 */
export function stream(eventsUrl, handlers) {
  const es = new EventSource(eventsUrl);
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      es.close();
    }
  };
  const on = (name, fn) => es.addEventListener(name, (ev) => {
    if (closed) return;
    let data = null;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    fn?.(data);
  });
  on("meta", handlers.meta);
  on("frame", handlers.frame);
  on("diverged", handlers.diverged);
  on("stopped", handlers.stopped);
  on("done", (d) => {
    close();
    handlers.done?.(d);
  });
  es.addEventListener("error", (ev) => {
    if (closed) return;
    if (ev.data) {
      close();
      let data = null;
      try {
        data = JSON.parse(ev.data);
      } catch {
        data = { message: "stream error" };
      }
      handlers.error?.(data);
    } else if (es.readyState === EventSource.CLOSED) {
      close();
      handlers.error?.({ status: "failed", message: "network" });
    }
    // otherwise the browser reconnects with Last-Event-ID and the stream resumes
  });
  return close;
}
