// The class session's HTTP calls for the teacher's page: JSON in and out, the teacher's
// token as a Bearer header, problem documents turned into errors with their status.

import { t } from "../i18n.js";

export class SessionError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** method, url, {token, body, raw: a Blob instead of JSON}. */
export async function call(method, url, { token, body, raw = false } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new SessionError(0, t("status.network"));
  }
  if (!res.ok) {
    let doc = null;
    try {
      doc = await res.json();
    } catch { /* not JSON */ }
    const d = doc?.detail;
    const msg = Array.isArray(d) ? d.map((x) => `${(x.loc ?? []).join(".")}: ${x.msg}`).join("; ") : d ?? doc?.title;
    throw new SessionError(res.status, msg ?? `HTTP ${res.status}`);
  }
  return raw ? res.blob() : res.json();
}
