// Sign-in for staff pages, the scanner's pattern (docs/scanner.md, "Session"): an SMS code,
// then the refresh token in an HttpOnly, SameSite=Strict cookie sent only to
// /api/v1/auth/refresh (no script can read it) and the access token in this module's memory
// only. After a reload, POST /api/v1/auth/refresh with an empty body gets a fresh access
// token from the cookie; sign-out is DELETE on the same path (the server clears the cookie).

export class HttpError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

let accessToken = null;
let refreshing = null;
export const session = { user: null };

async function send(path, { method = "GET", body, headers = {} } = {}) {
  const h = { ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (accessToken) h.Authorization = "Bearer " + accessToken;
  return fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
}

async function json(response) {
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new HttpError(response.status, data);
  return data;
}

function keep(data) {
  accessToken = data.access_token;
  session.user = data.user;
}

/** A new access token from the cookie (one request at a time); false when none came. */
export function refresh() {
  refreshing = refreshing || (async () => {
    try {
      const r = await fetch("/api/v1/auth/refresh", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: "{}", cache: "no-store",
      });
      keep(await json(r));
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function requestCode(phone, language = "en") {
  return json(await send("/api/v1/auth/otp", { method: "POST", body: { phone, language } }));
}

/** Exchange the SMS code; only ``roles`` may keep the session (others are signed out again). */
export async function signIn(phone, code, roles) {
  const data = await json(await send("/api/v1/auth/token", {
    method: "POST", body: { phone, code, refresh_token_in: "cookie" },
  }));
  if (!roles.includes(data.user?.role)) {
    await signOut();
    throw new HttpError(403, { detail: "This page is for carrier admins." });
  }
  keep(data);
  return data.user;
}

export async function signOut() {
  accessToken = null;
  session.user = null;
  await fetch("/api/v1/auth/refresh", { method: "DELETE", cache: "no-store" }).catch(() => {});
}

/** An authenticated request; a 401 refreshes once from the cookie and retries. */
export async function api(path, { method = "GET", body, headers = {}, raw = false } = {}) {
  if (!accessToken) await refresh();
  let r = await send(path, { method, body, headers });
  if (r.status === 401 && (await refresh())) r = await send(path, { method, body, headers });
  if (raw) {
    if (!r.ok) throw new HttpError(r.status, await r.json().catch(() => null));
    return r;
  }
  return json(r);
}
