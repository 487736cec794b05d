// The class session's HTTP calls for the teacher's page: api.js's request with the teacher's
// token as a Bearer header; errors are ApiError (status, the server's message).

import { request } from "../ui/api.js";

/** method, url, {token, body, raw: a Blob instead of JSON}. */
export function call(method, url, { token, body, raw = false } = {}) {
  return request(method, url, body, { token, raw });
}
