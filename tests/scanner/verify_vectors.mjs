// Runs app/scanner/static/ticket.js on the cases test_js_verifier.py sends on stdin
// (JSON) and prints one JSON answer per case. Node only: no browser, no network.
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";

const input = JSON.parse(readFileSync(0, "utf8"));
const ticket = await import(pathToFileURL(input.module).href);
const out = { verdicts: [], codes: [] };
for (const c of input.cases) {
  const keys = await ticket.loadKeys(c.jwks, { engine: c.engine });
  const v = await ticket.verifyTicket(c.payload, keys, c.now);
  out.verdicts.push({ result: v.result, why: v.why, claims: v.claims, engine: keys.engine });
}
for (const code of input.codes) {
  const normal = ticket.normalizeShortCode(code);
  out.codes.push({ normal, wellFormed: ticket.isWellFormedShortCode(normal), hash: await ticket.shortCodeHash(normal) });
}
console.log(JSON.stringify(out));
