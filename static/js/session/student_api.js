// The class session's REST calls from a student's page (contract: the session router), with
// the student's Bearer token; errors are ApiError (status, message, detail, retryAfter).

import { ApiError } from "../ui/api.js";
import { problemText } from "./student_logic.js";

async function call(method, url, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network");
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const retry = Number(res.headers.get("Retry-After"));
    throw new ApiError(res.status, problemText(data, res.status), data?.detail ?? null,
      Number.isFinite(retry) && res.headers.has("Retry-After") ? retry : null);
  }
  return data;
}

const base = (code) => `/api/sessions/${encodeURIComponent(code)}`;

export const sessionApi = {
  state: (code) => call("GET", base(code)),
  join: (code, name) => call("POST", `${base(code)}/join`, { body: { name } }),
  me: (code, token) => call("GET", `${base(code)}/me`, { token }),
  guesses: (code, token, guesses) => call("POST", `${base(code)}/guesses`, { token, body: { guesses } }),
  tries: (code, token, body) => call("POST", `${base(code)}/tries`, { token, body }),
  run: (id, fields = ["xy"]) => call("GET", `/api/runs/${encodeURIComponent(id)}?fields=${fields.join(",")}`),
  eventsUrl: (code) => `${base(code)}/events`,
};
