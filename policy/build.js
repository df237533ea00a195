// Builds the pack: compiles index.ts, policies.ts and what they import from ../src (the rules synth runs, so there is
// one implementation of each) into dist/, the package's main. Run by `npm run build` here and by the root's build
// (its `prepare`, so `npm ci` at the project root builds the pack), after the client package it imports from
// (@modelshare/client/contract) is built: this package has no prepare of its own, which npm would run before the
// root's, when the client's declarations do not exist yet. A packed copy of the pack has dist/ and no ../src: it is
// used as built.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const sources = path.join(__dirname, "..", "src", "rules", "index.ts");
const built = path.join(__dirname, "dist", "policy", "index.js");
if (!existsSync(sources)) {
  if (existsSync(built)) {
    console.log("modelshare policy pack: no ../src here; using the built dist/");
    process.exit(0);
  }
  console.error(`modelshare policy pack: cannot build: ${sources} is missing and there is no built ${built}`);
  process.exit(1);
}
const tsc = require.resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", path.join(__dirname, "tsconfig.json")], { stdio: "inherit" });
process.exit(result.status ?? 1);
