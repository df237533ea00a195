// mocha's configuration.
// - `npm test` (no files named) runs every spec in parallel worker processes, one per CPU, at least 2 and at most 8, so
//   both cores of the CI machine work. Each worker is a process of its own (Pulumi's mocks are process-global;
//   test/setup.ts installs them in each) and takes files one at a time. `--jobs N` on the command line overrides.
// - `npx mocha FILE...` runs only the spec files or folders named, in this process: mocha adds a config's `spec` to
//   the files on the command line, so a fixed spec here would run the whole suite every time.
// - Where the time goes: `npx mocha --no-parallel --reporter test/tools/slowest-reporter.cjs`.
"use strict";
const { statSync } = require("node:fs");
const { availableParallelism } = require("node:os");

/** A spec file (.ts), a glob or a folder on the command line (not an option's value, such as a reporter's path). */
const isSpec = (arg) => !arg.startsWith("-") && (/\.ts$/.test(arg) || arg.includes("*") || statSync(arg, { throwIfNoEntry: false })?.isDirectory() === true);
const named = process.argv.slice(2).some(isSpec);

module.exports = {
  require: ["test/register.cjs", "test/setup.ts"],
  ...(named ? {} : { spec: ["test/**/*.test.ts"], parallel: true, jobs: Math.min(8, Math.max(2, availableParallelism())) }),
  extension: ["ts"],
  timeout: 20000,
  recursive: true,
};
