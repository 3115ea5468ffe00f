// Copies the two pinned third-party files the /scan page serves into static/vendor/,
// each with a licence header. Run by `make vendor-scanner` after `npm ci`; the output
// is committed, so nothing is built or downloaded when the app runs.
import { readFileSync, writeFileSync } from "node:fs";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8")).packages;
const files = [
  {
    from: "node_modules/qr-scanner/qr-scanner-worker.min.js",
    to: "static/vendor/qr-worker.js",
    header: `/*! qr-scanner ${lock["node_modules/qr-scanner"].version} worker (the QR decoder only), MIT License,
 * (c) 2017 Nimiq, danimoh; https://github.com/nimiq/qr-scanner
 * It contains a modified copy of jsQR, Apache License 2.0, (c) 2017 Cosmo Wolfe;
 * https://github.com/cozmo/jsQR. Full texts: LICENSES.txt beside this file.
 * Used by the Safiri scanner only where the browser has no BarcodeDetector. */\n`,
    // the sourcemap is not shipped
    fix: (s) => s.replace(/\/\/# sourceMappingURL=.*$/m, ""),
  },
  {
    from: "node_modules/@noble/ed25519/index.js",
    to: "static/vendor/noble-ed25519.js",
    header: `/*! @noble/ed25519 ${lock["node_modules/@noble/ed25519"].version}, MIT License, (c) 2019 Paul Miller;
 * https://github.com/paulmillr/noble-ed25519. Full text: LICENSES.txt beside this file.
 * Used by the Safiri scanner only where WebCrypto has no Ed25519. */\n`,
    fix: (s) => s.replace(/\/\/# sourceMappingURL=.*$/m, ""),
  },
];
for (const f of files) {
  writeFileSync(f.to, f.header + f.fix(readFileSync(f.from, "utf8")).trimEnd() + "\n");
  console.log("vendored", f.to);
}
const licences = [
  ["qr-scanner (MIT)", "node_modules/qr-scanner/LICENSE"],
  ["@noble/ed25519 (MIT)", "node_modules/@noble/ed25519/LICENSE"],
];
let text = "";
for (const [name, path] of licences) text += `==== ${name} ====\n\n${readFileSync(path, "utf8").trim()}\n\n`;
text += "==== jsQR (Apache License 2.0), contained in qr-worker.js ====\n\n" +
  "Copyright 2017 Cosmo Wolfe. Licensed under the Apache License, Version 2.0:\n" +
  "http://www.apache.org/licenses/LICENSE-2.0\n";
writeFileSync("static/vendor/LICENSES.txt", text);
console.log("wrote static/vendor/LICENSES.txt");
