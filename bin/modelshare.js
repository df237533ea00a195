#!/usr/bin/env node
// Runs the TypeScript CLI directly: the same sources the Pulumi program runs, no build step to forget.
require("ts-node").register({ transpileOnly: true, project: require("node:path").join(__dirname, "..", "tsconfig.json") });
require("../src/cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
