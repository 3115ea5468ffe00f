// Copies uPlot's pinned, minified browser build and style sheet into static/vendor/, with
// its licence beside them. Run by `make vendor-carrier` after `npm ci`; the output is
// committed, so nothing is built or downloaded when the app runs.
import { copyFileSync, readFileSync } from "node:fs";

const version = JSON.parse(readFileSync("package-lock.json", "utf8")).packages["node_modules/uplot"].version;
for (const name of ["uPlot.iife.min.js", "uPlot.min.css"]) {
  copyFileSync(`node_modules/uplot/dist/${name}`, `static/vendor/${name}`);
  console.log("vendored", name, version);
}
copyFileSync("node_modules/uplot/LICENSE", "static/vendor/uPlot.LICENSE.txt");
