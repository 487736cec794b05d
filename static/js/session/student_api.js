// The class session's REST calls from a student's page (contract: the session router), with
// the student's Bearer token; errors are api.js's
// ApiError (status, the server's message naming the field, detail, retryAfter).

import { request } from "../ui/api.js";

const call = (method, url, { body, token } = {}) => request(method, url, body, { token });

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
