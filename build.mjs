// Bundles each js/<view>.js entry into jupyter_automl/static/<view>.js (ESM, as anywidget loads it).
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";

const entryPoints = readdirSync("js")
  .filter((f) => f.endsWith(".js"))
  .map((f) => `js/${f}`);

const options = {
  entryPoints,
  bundle: true,
  format: "esm",
  outdir: "jupyter_automl/static",
  minify: !process.argv.includes("--watch"),
  loader: { ".css": "text" },
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
