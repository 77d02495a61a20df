// Bundles each js/<view>.js entry (and js/styles.css) into jupyter_automl/static/ (ESM, as
// anywidget loads it). `node build.mjs --watch` rebuilds on change (with ANYWIDGET_HMR=1).
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";

const entryPoints = readdirSync("js")
  .filter((f) => f.endsWith(".js") || f.endsWith(".css"))
  .map((f) => `js/${f}`);

const options = {
  entryPoints,
  bundle: true,
  format: "esm",
  outdir: "jupyter_automl/static",
  minify: !process.argv.includes("--watch"),
  target: ["es2020"],
  loader: { ".css": "css" },
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
