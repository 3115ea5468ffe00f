// The driver's scanner page: sign in, pick today's trip, scan offline, upload later.
// Every verdict is judged here, on the phone, against the trip manifest and the key set
// (docs/ticket-format.md sections 1.5 and 6), so a scan answers in milliseconds with or
// without signal; the scans wait in IndexedDB and go to the server in batches, which
// judges them again and reports conflicts to the carrier.
//
// The session: the refresh token lives in an HttpOnly, SameSite=Strict cookie sent only to
// /api/v1/auth/refresh (no script, ours or an injected one, can read it); the access token
// (15 minutes) lives in this module's memory only. localStorage keeps who signed in (id,
// role, carrier, language), no secret, so that after a reload the page opens offline and,
// once online, gets a fresh access token from the cookie.
import { loadKeys, verifyTicket, normalizeShortCode, isWellFormedShortCode, shortCodeHash } from "./ticket.js";
import { kvGet, kvSet, queueAdd, queuePut, queueAll, queueDelete, clearAll } from "./store.js";
import { decodeCanvas, draw } from "./decode.js";

const main = document.getElementById("main");
const CATALOGUE = JSON.parse(document.getElementById("i18n").textContent);
const DECODER_URL = main.dataset.decoder;
const $ = (id) => document.getElementById(id);
const SYNC_EVERY_MS = 15000;
const CAMERA_REPEAT_MS = 3000; // the same code in front of the camera is one scan
const KEEP_UPLOADED_MS = 2 * 86400000; // uploaded scans stay for "already used at" this long

const state = {
  lang: localStorage.getItem("scan.lang") || pickLanguage(),
  user: JSON.parse(localStorage.getItem("scan.user") || "null"), // {id, role, carrier_id, language}
  accessToken: null, // in memory only
  deviceId: localStorage.getItem("scan.device") || newDeviceId(),
  tripId: Number(localStorage.getItem("scan.trip")) || null,
  online: navigator.onLine,
  keys: null,
  manifest: null, // {trip, tickets: {id: entry}, revoked: [ids], cursor, etag}
  byHash: new Map(),
  local: new Map(), // ticket id -> {state: "boarded" | "undone", at, seq}
  pending: 0,
  lastSync: null,
  conflicts: 0,
  syncing: null,
  lastVerdict: null,
};
const timings = { decodeToVerdict: [], imageToVerdict: [] };

function pickLanguage() {
  const wanted = (navigator.language || "en").slice(0, 2);
  return CATALOGUE[wanted] ? wanted : "en";
}

function newDeviceId() {
  const id = "web-" + crypto.randomUUID();
  localStorage.setItem("scan.device", id);
  return id;
}

function t(key, params = {}) {
  const text = (CATALOGUE[state.lang] || CATALOGUE.en)[key] ?? CATALOGUE.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "");
}

// ---------- rendering ----------

function renderTexts() {
  document.documentElement.lang = state.lang;
  $("lang").value = state.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("code-input").placeholder = t("type_code");
  document.title = t("title");
  renderStatus();
  if (state.lastVerdict) renderVerdict(state.lastVerdict);
  renderCounts();
  renderRecent();
}

function renderStatus() {
  $("net").dataset.state = state.online ? "online" : "offline";
  $("net").textContent = t(state.online ? "online" : "offline");
  $("pending").textContent = t("pending", { n: state.pending });
  $("pending").dataset.count = state.pending;
  $("last-sync").textContent = state.lastSync ? t("last_sync", { time: hhmm(state.lastSync) }) : t("never_synced");
  $("camera-toggle").textContent = t(camera.stream ? "stop_camera" : "start_camera");
}

function show(section) {
  for (const id of ["signin", "trips", "scanner"]) $(id).hidden = id !== section;
}

function tripOffsetMinutes() {
  const m = /([+-])(\d\d):(\d\d)$/.exec(state.manifest?.trip?.departure_at || "");
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : -new Date().getTimezoneOffset();
}

/** "08:14" in the trip's zone (the zone of its departure stop, as the manifest gives it). */
function hhmm(ms) {
  return new Date(ms + tripOffsetMinutes() * 60000).toISOString().slice(11, 16);
}

function renderVerdict(v) {
  const box = $("verdict");
  box.className = "verdict " + (v.result === "valid" ? "ok" : "bad");
  box.dataset.result = v.result;
  let word = t(v.result);
  if (v.result === "already_used") word = v.usedAt ? t("already_used", { time: hhmm(v.usedAt) }) : t("already_used_elsewhere");
  $("verdict-word").textContent = word;
  $("verdict-seat").textContent = v.seat ? t("seat", { seat: v.seat }) : "";
  const detail = [];
  if (v.why) detail.push(t(v.why === "manifest_missing" ? v.why : "why_" + v.why, { trip: v.otherTrip }));
  if (v.result === "not_yet_valid") detail.push(t("opens_at", { time: hhmm(v.validFrom * 1000) }));
  if (v.result === "expired") detail.push(t("closed_at", { time: hhmm(v.validUntil * 1000) }));
  if (v.result === "valid" && v.fareClass === "student") detail.push(t("student"));
  if (v.result !== "valid") detail.push(t("do_not_board"));
  if (v.undone) detail.unshift(t("undone", { seat: v.seat }));
  $("verdict-detail").textContent = detail.join(" ");
  const local = v.ticketId != null && state.local.get(v.ticketId);
  $("undo").hidden = !(v.result === "valid" && local && local.state === "boarded" && local.seq === v.seq);
}

function entryOf(id) {
  return state.manifest?.tickets?.[id];
}

function isBoarded(id, entry) {
  const local = state.local.get(id);
  if (local) return local.state === "boarded";
  return entry?.status === "used";
}

function renderCounts() {
  if (!state.manifest) return;
  const revoked = new Set(state.manifest.revoked);
  let boarded = 0, expected = 0;
  for (const entry of Object.values(state.manifest.tickets)) {
    if (revoked.has(entry.id) || ["cancelled", "refunded", "expired"].includes(entry.status)) continue;
    if (isBoarded(entry.id, entry)) boarded++;
    else expected++;
  }
  $("boarded").textContent = boarded;
  $("expected").textContent = expected;
}

let recentItems = [];
function renderRecent() {
  const list = $("recent");
  list.textContent = "";
  for (const item of recentItems.slice(-15).reverse()) {
    const li = document.createElement("li");
    li.dataset.result = item.local.result;
    let word = t(item.local.result);
    if (item.local.result === "already_used") {
      word = item.local.usedAt ? t("already_used", { time: hhmm(item.local.usedAt) }) : t("already_used_elsewhere");
    }
    li.textContent = `${hhmm(Date.parse(item.scanned_at))} ${word}${item.local.seat ? " · " + t("seat", { seat: item.local.seat }) : ""}`;
    const local = state.local.get(item.local.ticketId);
    if (item.local.result === "valid" && local && local.state === "boarded" && local.seq === item.seq) {
      const undo = document.createElement("button");
      undo.textContent = t("undo");
      undo.className = "undo";
      undo.onclick = () => undoBoarding(item.local.ticketId);
      li.append(undo);
    }
    list.append(li);
  }
}

// ---------- server ----------

class Offline extends Error {}
class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  renderStatus();
  if (online) scheduleSync(0);
}

async function api(path, { method = "GET", body, headers = {}, auth = true, retried = false } = {}) {
  const h = { ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (auth && !state.accessToken && state.user && !retried) await refreshSession(); // after a reload
  if (auth && state.accessToken) h.Authorization = "Bearer " + state.accessToken;
  let response;
  try {
    response = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch {
    setOnline(false);
    throw new Offline("offline");
  }
  setOnline(true);
  if (response.status === 401 && auth && !retried && state.user && (await refreshSession())) {
    return api(path, { method, body, headers, auth, retried: true });
  }
  if (response.status === 304) return { status: 304, headers: response.headers, data: null };
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && auth) signedOut(t("session_expired"));
    throw new HttpError(response.status, data);
  }
  return { status: response.status, headers: response.headers, data };
}

let refreshing = null;
/** A new access token from the session cookie (one request at a time); false if none came. */
function refreshSession(body = {}) {
  refreshing = refreshing || (async () => {
    try {
      const r = await api("/api/v1/auth/refresh", { method: "POST", body, auth: false });
      saveSession(r.data);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function saveSession(data) {
  state.accessToken = data.access_token;
  const { id, role, carrier_id, language } = data.user;
  state.user = { id, role, carrier_id, language };
  localStorage.setItem("scan.user", JSON.stringify(state.user));
}

function signedOut(message) {
  state.accessToken = null;
  state.user = null;
  localStorage.removeItem("scan.user");
  show("signin");
  $("signin-msg").textContent = message || "";
}

/** Pages from before the cookie kept both tokens in localStorage: move the session into
 * the cookie once online, and drop the stored tokens. */
async function forgetStoredTokens() {
  const legacy = JSON.parse(localStorage.getItem("scan.session") || "null");
  if (!legacy) return;
  if (!legacy.refresh_token || !legacy.user) return localStorage.removeItem("scan.session");
  try {
    const r = await api("/api/v1/auth/refresh", {
      method: "POST", auth: false, body: { refresh_token: legacy.refresh_token, refresh_token_in: "cookie" },
    });
    saveSession(r.data);
    localStorage.removeItem("scan.session");
  } catch (e) {
    if (e instanceof HttpError) localStorage.removeItem("scan.session"); // dead: sign in again
    else if (!state.user) { // offline: keep working, move it next time
      const { id, role, carrier_id, language } = legacy.user;
      state.user = { id, role, carrier_id, language };
    }
  }
}

// ---------- data ----------

async function loadTripData() {
  state.manifest = (await kvGet("manifest:" + state.tripId)) || null;
  state.byHash = new Map(Object.values(state.manifest?.tickets || {}).map((e) => [e.short_code_hash, e]));
  const jwks = await kvGet("jwks");
  state.keys = jwks ? await loadKeys(jwks, { engine: window.SCANNER_ENGINE || "auto" }) : null;
  state.lastSync = (await kvGet("last_sync")) || null;
  const items = await queueAll();
  state.pending = items.filter((i) => !i.uploaded).length;
  state.local = new Map();
  recentItems = [];
  for (const item of items) {
    if (item.trip_id !== state.tripId) continue;
    if (item.kind === "scan") {
      recentItems.push(item);
      if (item.local.result === "valid") state.local.set(item.local.ticketId, { state: "boarded", at: Date.parse(item.scanned_at), seq: item.seq });
    } else if (item.kind === "undo") {
      state.local.set(item.ticket_id, { state: "undone", at: Date.parse(item.undone_at), seq: item.seq });
    }
  }
}

async function syncKeys() {
  const cached = await kvGet("jwks");
  const etag = await kvGet("jwks_etag");
  const r = await api("/.well-known/ticket-keys.json", { auth: false, headers: cached && etag ? { "If-None-Match": etag } : {} });
  if (r.status === 304 && cached) return;
  await kvSet("jwks", r.data);
  await kvSet("jwks_etag", r.headers.get("ETag"));
  state.keys = await loadKeys(r.data, { engine: window.SCANNER_ENGINE || "auto" });
}

async function syncManifest(tripId) {
  const key = "manifest:" + tripId;
  let m = await kvGet(key);
  const path = `/api/v1/driver/trips/${tripId}/manifest` + (m ? `?since=${m.cursor}` : "");
  const r = await api(path, { headers: m?.etag ? { "If-None-Match": m.etag } : {} });
  if (r.status !== 304) {
    const d = r.data;
    m = m || { tickets: {} };
    m.trip = d.trip;
    for (const entry of d.tickets) m.tickets[entry.id] = entry;
    m.revoked = d.revoked_ticket_ids;
    for (const id of m.revoked) {
      if (m.tickets[id] && !["cancelled", "refunded"].includes(m.tickets[id].status)) m.tickets[id].status = "cancelled";
    }
    m.cursor = d.cursor;
    // The ETag names the answer to this `since`: unchanged data next time gives a 304.
    m.etag = r.headers.get("ETag");
    await kvSet(key, m);
  }
  if (tripId === state.tripId) {
    state.manifest = m;
    state.byHash = new Map(Object.values(m.tickets).map((e) => [e.short_code_hash, e]));
  }
}

async function uploadQueue() {
  const all = await queueAll();
  const old = Date.now() - KEEP_UPLOADED_MS;
  const stale = all.filter((i) => i.uploaded && Date.parse(i.scanned_at || i.undone_at) < old).map((i) => i.seq);
  if (stale.length) await queueDelete(stale);
  const items = all.filter((i) => !i.uploaded);
  let i = 0;
  while (i < items.length) {
    const item = items[i];
    if (item.kind === "undo") {
      try {
        await api(`/api/v1/driver/trips/${item.trip_id}/boardings/${item.ticket_id}/undo`, {
          method: "POST", body: { device_id: state.deviceId, undone_at: item.undone_at },
        });
        item.uploaded = "ok";
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        item.uploaded = "refused-" + e.status; // e.g. 409: nothing to undo any more
      }
      await queuePut(item);
      i++;
      continue;
    }
    const batch = [];
    while (i < items.length && items[i].kind === "scan" && items[i].trip_id === item.trip_id && batch.length < 200) {
      batch.push(items[i++]);
    }
    let results;
    try {
      const r = await api(`/api/v1/driver/trips/${item.trip_id}/scans:batch`, {
        method: "POST",
        body: {
          device_id: state.deviceId,
          scans: batch.map((s) => ({
            nonce: s.nonce, scanned_at: s.scanned_at, device_result: s.local.result,
            ...(s.qr_payload ? { qr_payload: s.qr_payload } : { short_code: s.short_code }),
          })),
        },
      });
      results = new Map(r.data.results.map((x) => [x.nonce, x]));
    } catch (e) {
      if (!(e instanceof HttpError) || e.status === 401) throw e;
      results = new Map(); // refused (trip no longer ours...): keep them, marked
      for (const s of batch) s.uploaded = "refused-" + e.status;
    }
    for (const s of batch) {
      const server = results.get(s.nonce);
      if (server) {
        s.uploaded = "ok";
        s.server = { result: server.result, conflict: server.conflict };
        if (server.conflict && !server.replayed) state.conflicts++;
      }
      await queuePut(s);
    }
  }
}

function scheduleSync(delay) {
  clearTimeout(scheduleSync.timer);
  scheduleSync.timer = setTimeout(() => sync().catch(() => {}), delay);
}

async function sync() {
  if (!state.user) return;
  if (state.syncing) return state.syncing;
  state.syncing = (async () => {
    try {
      await syncKeys();
      if (state.tripId) await syncManifest(state.tripId);
      await uploadQueue();
      state.lastSync = Date.now();
      await kvSet("last_sync", state.lastSync);
      if (state.conflicts) $("notice").textContent = t("conflicts", { n: state.conflicts });
      sync.retryMs = 0;
    } catch (e) {
      if (!(e instanceof Offline) && !(e instanceof HttpError)) console.error(e);
      if (e instanceof Offline && navigator.onLine) {
        // The radio says "online" before the first request gets through: try again soon.
        sync.retryMs = Math.min(SYNC_EVERY_MS, (sync.retryMs || 500) * 2);
        scheduleSync(sync.retryMs);
      }
    } finally {
      state.syncing = null;
      if (state.tripId) await loadTripData();
      renderStatus();
      renderCounts();
      renderRecent();
    }
  })();
  return state.syncing;
}

// ---------- judging ----------

function seatLabel(seatIndex, entry) {
  const layout = state.manifest?.trip?.seat_layout;
  if (Array.isArray(layout) && seatIndex != null && layout[seatIndex] != null) return layout[seatIndex];
  if (entry?.seat) return entry.seat;
  return seatIndex != null ? "#" + (seatIndex + 1) : "";
}

function judgeTicket(id, entry, timeResult, extra) {
  const v = { ticketId: id, ...extra };
  const revoked = state.manifest.revoked.includes(id);
  const status = entry?.status;
  if (status === "refunded") return { ...v, result: "refunded" };
  if (revoked || status === "cancelled") return { ...v, result: "cancelled" };
  const local = state.local.get(id);
  if (local?.state === "boarded") return { ...v, result: "already_used", usedAt: local.at };
  if (!local && status === "used") return { ...v, result: "already_used", why: "elsewhere" };
  if (timeResult !== "valid") return { ...v, result: timeResult };
  return { ...v, result: "valid" };
}

async function judge(input) {
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  if (!state.manifest) return { result: "invalid", why: "manifest_missing" };
  if (input.qr_payload != null) {
    if (!state.keys) return { result: "invalid", why: "unknown_key" };
    const verdict = await verifyTicket(input.qr_payload, state.keys, now);
    if (verdict.result === "invalid") return { result: "invalid", why: verdict.why === "signature" || verdict.why === "unknown_key" ? verdict.why : "not_a_ticket" };
    const c = verdict.claims;
    const entry = entryOf(c.ticketId);
    const extra = { seat: seatLabel(c.seatIndex, entry), fareClass: c.fareClass, validFrom: c.validFrom, validUntil: c.validUntil };
    if (c.tripId !== state.manifest.trip.id) return { ...extra, ticketId: c.ticketId, result: "wrong_trip", why: "other_trip", otherTrip: c.tripId };
    return judgeTicket(c.ticketId, entry, verdict.result, extra);
  }
  const code = normalizeShortCode(input.short_code);
  if (!isWellFormedShortCode(code)) return { result: "invalid", why: "mistyped" };
  const entry = state.byHash.get(await shortCodeHash(code));
  if (!entry) return { result: "invalid", why: "unknown_code" };
  const from = Date.parse(entry.valid_from) / 1000, until = Date.parse(entry.valid_until) / 1000;
  const timeResult = now < from ? "not_yet_valid" : now >= until ? "expired" : "valid";
  return judgeTicket(entry.id, entry, timeResult, { seat: entry.seat, fareClass: entry.fare_class, validFrom: from, validUntil: until });
}

let scanChain = Promise.resolve();
/** One scan: judge, show, store. Scans are handled one at a time, in order. */
function scan(input, { imageStart = null } = {}) {
  const run = async () => {
    const decodedAt = performance.now();
    const scannedAt = new Date().toISOString();
    const verdict = await judge(input);
    const item = { kind: "scan", trip_id: state.tripId, nonce: crypto.randomUUID(), scanned_at: scannedAt, local: verdict, ...input };
    item.seq = await queueAdd(item);
    verdict.seq = item.seq;
    if (verdict.result === "valid") state.local.set(verdict.ticketId, { state: "boarded", at: Date.parse(scannedAt), seq: item.seq });
    state.lastVerdict = verdict;
    renderVerdict(verdict);
    const done = performance.now();
    timings.decodeToVerdict.push(done - decodedAt);
    if (imageStart != null) timings.imageToVerdict.push(done - imageStart);
    recentItems.push(item);
    state.pending++;
    renderCounts();
    renderRecent();
    renderStatus();
    if (state.online) scheduleSync(300);
    return verdict;
  };
  scanChain = scanChain.then(run, run);
  return scanChain;
}

async function undoBoarding(ticketId) {
  const local = state.local.get(ticketId);
  if (!local || local.state !== "boarded") return;
  const item = { kind: "undo", trip_id: state.tripId, ticket_id: ticketId, undone_at: new Date().toISOString() };
  item.seq = await queueAdd(item);
  state.local.set(ticketId, { state: "undone", at: Date.now(), seq: item.seq });
  state.pending++;
  if (state.lastVerdict?.ticketId === ticketId) {
    state.lastVerdict = { ...state.lastVerdict, undone: true };
    renderVerdict(state.lastVerdict);
  }
  renderCounts();
  renderRecent();
  renderStatus();
  if (state.online) scheduleSync(0);
}

// ---------- camera and photos ----------

const camera = { stream: null, canvas: document.createElement("canvas"), last: null, lastAt: 0, busy: false };

async function startCamera() {
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    $("notice").textContent = t("no_camera");
    return;
  }
  const video = $("camera");
  video.srcObject = camera.stream;
  video.hidden = false;
  await video.play();
  renderStatus();
  const tick = async () => {
    if (!camera.stream) return;
    if (video.readyState >= 2 && !camera.busy) {
      camera.busy = true;
      const start = performance.now();
      try {
        const text = await decodeCanvas(draw(video, camera.canvas, 640), DECODER_URL);
        const now = Date.now();
        if (text && (text !== camera.last || now - camera.lastAt > CAMERA_REPEAT_MS)) {
          camera.last = text;
          camera.lastAt = now;
          await scan({ qr_payload: text }, { imageStart: start });
        } else if (text) {
          camera.lastAt = now;
        }
      } finally {
        camera.busy = false;
      }
    }
    setTimeout(tick, 100);
  };
  tick();
}

function stopCamera() {
  for (const track of camera.stream?.getTracks() || []) track.stop();
  camera.stream = null;
  $("camera").hidden = true;
  renderStatus();
}

async function scanImage(blob) {
  const start = performance.now();
  const bitmap = await createImageBitmap(blob);
  const text = await decodeCanvas(draw(bitmap, document.createElement("canvas")), DECODER_URL);
  if (!text) {
    $("notice").textContent = t("no_qr");
    return null;
  }
  return scan({ qr_payload: text }, { imageStart: start });
}

// ---------- screens ----------

async function showTrips() {
  show("trips");
  stopCamera();
  $("trips-msg").textContent = "";
  let trips = (await kvGet("trips")) || [];
  try {
    const user = state.user;
    const today = new Date().toLocaleDateString("sv"); // YYYY-MM-DD, the phone's day
    trips = (await api(user.role === "driver" ? "/api/v1/driver/trips"
      : `/api/v1/carriers/${user.carrier_id}/trips?from=${today}&until=${today}`)).data
      .filter((trip) => ["scheduled", "boarding", "departed"].includes(trip.status));
    await kvSet("trips", trips);
  } catch (e) {
    if (e instanceof HttpError && e.status === 403) return signedOut(t("not_staff"));
  }
  const list = $("trip-list");
  list.textContent = "";
  for (const trip of trips) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.className = "trip";
    button.dataset.tripId = trip.id;
    button.textContent = `${trip.departure_at.slice(11, 16)} ${trip.route_code} · ${trip.route_name}`;
    button.onclick = () => openTrip(trip.id);
    li.append(button);
    list.append(li);
  }
  if (!trips.length) $("trips-msg").textContent = t("no_trips");
}

async function openTrip(tripId) {
  state.tripId = tripId;
  localStorage.setItem("scan.trip", tripId);
  state.lastVerdict = null;
  $("verdict").className = "verdict idle";
  $("verdict-word").textContent = t("ready");
  $("verdict-seat").textContent = $("verdict-detail").textContent = "";
  $("undo").hidden = true;
  await loadTripData();
  show("scanner");
  renderTexts();
  if (state.manifest) $("trip-title").textContent = `${state.manifest.trip.route_code} ${state.manifest.trip.departure_at.slice(11, 16)}`;
  await sync();
  if (state.manifest) {
    $("trip-title").textContent = `${state.manifest.trip.route_code} ${state.manifest.trip.departure_at.slice(11, 16)}`;
  } else {
    $("notice").textContent = t("manifest_missing");
  }
}

function wire() {
  $("lang").onchange = () => {
    state.lang = $("lang").value;
    localStorage.setItem("scan.lang", state.lang);
    renderTexts();
  };
  $("send-code").onclick = async () => {
    try {
      await api("/api/v1/auth/otp", { method: "POST", auth: false, body: { phone: $("phone").value, language: state.lang } });
      $("signin-msg").textContent = t("code_sent");
      $("otp").focus();
    } catch (e) {
      $("signin-msg").textContent = e instanceof Offline ? t("network_needed") : (e.body?.detail || e.message);
    }
  };
  $("verify").onclick = async () => {
    try {
      const r = await api("/api/v1/auth/token", {
        method: "POST", auth: false,
        body: { phone: $("phone").value, code: $("otp").value.trim(), refresh_token_in: "cookie" },
      });
      if (!["driver", "carrier_admin"].includes(r.data.user?.role)) {
        api("/api/v1/auth/refresh", { method: "DELETE", auth: false }).catch(() => {}); // not this page's session
        return signedOut(t("not_staff"));
      }
      saveSession(r.data);
      if (!localStorage.getItem("scan.lang") && CATALOGUE[r.data.user.language]) {
        state.lang = r.data.user.language; // the account's language until the driver picks one
        renderTexts();
      }
      await showTrips();
    } catch (e) {
      $("signin-msg").textContent = e instanceof Offline ? t("network_needed") : t("signin_failed");
    }
  };
  $("sign-out").onclick = async () => {
    // Ends the cookie's sign-in on the server and clears the cookie (the page cannot).
    api("/api/v1/auth/refresh", { method: "DELETE", auth: false }).catch(() => {});
    if (state.pending === 0) await clearAll(); // never drop scans the server has not seen
    localStorage.removeItem("scan.trip");
    state.tripId = null;
    signedOut("");
  };
  $("to-trips").onclick = () => showTrips();
  $("camera-toggle").onclick = () => (camera.stream ? stopCamera() : startCamera());
  $("qr-file").onchange = async () => {
    const file = $("qr-file").files[0];
    $("qr-file").value = "";
    if (file) await scanImage(file);
  };
  $("code-form").onsubmit = async (event) => {
    event.preventDefault();
    const code = $("code-input").value.trim();
    if (!code) return;
    $("code-input").value = "";
    await scan({ short_code: code });
  };
  $("undo").onclick = () => state.lastVerdict && undoBoarding(state.lastVerdict.ticketId);
  $("sync").onclick = () => sync();
  window.addEventListener("online", () => setOnline(true));
  window.addEventListener("offline", () => setOnline(false));
  setInterval(() => navigator.onLine && sync(), SYNC_EVERY_MS);
}

async function start() {
  wire();
  renderTexts();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(main.dataset.sw, { scope: "/scan" }).catch(() => {});
  }
  await forgetStoredTokens();
  if (!state.user) return show("signin");
  if (state.tripId) return openTrip(state.tripId);
  return showTrips();
}

// For tests and measurements (the page works without them).
window.scanner = {
  scanText: (text) => scan({ qr_payload: text }),
  scanCode: (code) => scan({ short_code: code }),
  scanImage, sync, timings, state,
  ready: start(),
};
