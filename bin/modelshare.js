#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the `prepare` script, or `npm run build`).
"use strict";
let cli;
try {
  cli = require("../dist/src/cli/main.js");
} catch (error) {
  if (error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes("dist/src/cli/main.js")) {
    process.stderr.write("error: modelshare is not built (dist/src/cli/main.js is missing): run `npm run build` (npm ci runs it too)\n");
    process.exit(2);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then((code) => process.exit(code));
