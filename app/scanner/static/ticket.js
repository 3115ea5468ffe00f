// Safiri ticket verifier for the browser, written from docs/ticket-format.md alone
// (payload v2: "SF1:" + Base45 of 22 body bytes + 64 signature bytes = 133 characters).
// Why in the browser: a driver on the road has no signal; the signature, the key set and
// the trip manifest are all a scan needs. tests/scanner/test_js_verifier.py feeds this
// module the document's test vectors.
//
// Ed25519 comes from WebCrypto where the browser has it, else from the bundled
// @noble/ed25519 (vendor/noble-ed25519.js), loaded only then.

export const PREFIX = "SF1:";
export const VERSION = 0x02;
export const BODY_LENGTH = 22;
export const SIGNATURE_LENGTH = 64;
export const PAYLOAD_LENGTH = PREFIX.length + 129; // 86 bytes -> 129 Base45 characters
export const FARE_CLASSES = ["standard", "student", "reduced"];
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const B45_VALUE = new Map([...B45].map((c, i) => [c, i]));
const CONTEXT = new TextEncoder().encode("SAFIRI-TICKET\0");
const SHORT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Strict Base45 (RFC 9285): null on any character outside the alphabet or a value too big. */
export function b45decode(text) {
  const n = text.length;
  if (n % 3 === 1) return null;
  const out = new Uint8Array(Math.floor(n / 3) * 2 + (n % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const c = B45_VALUE.get(text[i]), d = B45_VALUE.get(text[i + 1]);
    if (c === undefined || d === undefined) return null;
    if (i + 2 < n) {
      const e = B45_VALUE.get(text[i + 2]);
      if (e === undefined) return null;
      const v = c + 45 * d + 2025 * e;
      if (v > 0xffff) return null;
      out[o++] = v >> 8;
      out[o++] = v & 0xff;
    } else {
      const v = c + 45 * d;
      if (v > 0xff) return null;
      out[o++] = v;
    }
  }
  return out;
}

function uint(bytes, start, length) {
  let v = 0;
  for (let i = start; i < start + length; i++) v = v * 256 + bytes[i];
  return v; // at most 2^40 - 1: exact in a double
}

/** The fields of a payload *without* checking its signature; null if malformed. */
export function decodeUnverified(text) {
  if (typeof text !== "string") return null;
  text = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  if (text.length !== PAYLOAD_LENGTH || !text.startsWith(PREFIX)) return null;
  const bytes = b45decode(text.slice(PREFIX.length));
  if (!bytes || bytes.length !== BODY_LENGTH + SIGNATURE_LENGTH) return null;
  const body = bytes.slice(0, BODY_LENGTH);
  return {
    version: body[0],
    kid: "k" + body[1],
    ticketId: uint(body, 2, 5),
    tripId: uint(body, 7, 4),
    seatIndex: uint(body, 11, 2),
    fareCode: body[13],
    validFrom: uint(body, 14, 4),
    validUntil: uint(body, 18, 4),
    body,
    signature: bytes.slice(BODY_LENGTH),
  };
}

export function signingInput(body) {
  const out = new Uint8Array(CONTEXT.length + body.length);
  out.set(CONTEXT);
  out.set(body, CONTEXT.length);
  return out;
}

function b64urlToBytes(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

let noble = null;
async function nobleVerify(signature, message, publicKey) {
  noble = noble || (await import("./vendor/noble-ed25519.js"));
  try {
    return await noble.verifyAsync(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * A key set built from a JWK Set: verify(kid, signature, message) -> Promise<boolean>.
 * `engine` "auto" uses WebCrypto Ed25519 when available, "noble" forces the bundled one.
 */
export async function loadKeys(jwks, { engine = "auto" } = {}) {
  const keys = new Map();
  for (const jwk of (jwks && jwks.keys) || []) {
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || (jwk.use && jwk.use !== "sig")) continue;
    if (typeof jwk.kid !== "string" || typeof jwk.x !== "string") continue;
    const raw = b64urlToBytes(jwk.x);
    if (raw.length !== 32) continue;
    let cryptoKey = null;
    if (engine === "auto" && globalThis.crypto && crypto.subtle) {
      try {
        cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      } catch {
        cryptoKey = null; // no Ed25519 in this browser's WebCrypto
      }
    }
    keys.set(jwk.kid, { raw, cryptoKey });
  }
  return {
    has: (kid) => keys.has(kid),
    engine: [...keys.values()].every((k) => k.cryptoKey) && keys.size ? "webcrypto" : "noble",
    async verify(kid, signature, message) {
      const key = keys.get(kid);
      if (!key) return false;
      if (key.cryptoKey) {
        try {
          return await crypto.subtle.verify({ name: "Ed25519" }, key.cryptoKey, signature, message);
        } catch {
          return false;
        }
      }
      return nobleVerify(signature, message, key.raw);
    },
  };
}

/**
 * Section 1.5 of docs/ticket-format.md, in its order. `now` in Unix seconds.
 * -> {result: "valid" | "not_yet_valid" | "expired" | "invalid", why, claims}
 * `why` (for "invalid"): "not_a_ticket", "version", "unknown_key", "signature", "fields".
 */
export async function verifyTicket(text, keys, now) {
  const d = decodeUnverified(text);
  if (!d) return { result: "invalid", why: "not_a_ticket", claims: null };
  if (d.version !== VERSION) return { result: "invalid", why: "version", claims: null };
  if (!keys.has(d.kid)) return { result: "invalid", why: "unknown_key", claims: null };
  if (!(await keys.verify(d.kid, d.signature, signingInput(d.body)))) {
    return { result: "invalid", why: "signature", claims: null };
  }
  if (d.fareCode >= FARE_CLASSES.length || !(d.validFrom < d.validUntil)) {
    return { result: "invalid", why: "fields", claims: null };
  }
  const claims = {
    kid: d.kid, ticketId: d.ticketId, tripId: d.tripId, seatIndex: d.seatIndex,
    fareClass: FARE_CLASSES[d.fareCode], validFrom: d.validFrom, validUntil: d.validUntil,
  };
  if (now < d.validFrom) return { result: "not_yet_valid", why: null, claims };
  if (now >= d.validUntil) return { result: "expired", why: null, claims };
  return { result: "valid", why: null, claims };
}

/** Section 4: upper-case, drop spaces and dashes, O -> 0, I and L -> 1. */
export function normalizeShortCode(text) {
  return String(text).toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
}

/** Ten symbols of the alphabet whose GF(32) check (modulus x^5 + x^2 + 1) ends at 0. */
export function isWellFormedShortCode(code) {
  if (code.length !== 10) return false;
  let acc = 0;
  for (const ch of code) {
    const v = SHORT_ALPHABET.indexOf(ch);
    if (v < 0) return false;
    acc <<= 1;
    if (acc & 32) acc ^= 0b100101;
    acc ^= v;
  }
  return acc === 0;
}

/** sha256(normalised code as ASCII), lower-case hex: the manifest's short_code_hash. */
export async function shortCodeHash(code) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
