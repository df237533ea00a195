// mocha's configuration.
// - `npm test` (no files named) runs every spec, in one process, in file order. `npx mocha --parallel` runs them in
//   worker processes (one per CPU, at least 2 and at most 8): 48 s of mocha instead of 57 s at a load of 2 here, but not the
//   default: promotion specs leave runs behind (a `void executePromotion` whose hung `up` is cancelled later) that then
//   write into the next file's AWS mocks, and with workers the next file varies (seen in test/promotion/cli.test.ts:
//   3 stray Rekognition calls; a stray "promote v1 -> v3 undo-failed" history record). Serial order hides it.
// - `exit`: mocha ends the process once the last test is done. Without it the process waited 37 s more for three
//   60 s grace timers of src/promotion/boundedUp.ts, armed by runs those same specs leave behind.
// - `npx mocha FILE...` runs only the spec files or folders named, in this process: mocha adds a config's `spec` to
//   the files on the command line, so a fixed spec here would run the whole suite every time.
// - Where the time goes: `npx mocha --reporter test/tools/slowest-reporter.cjs` (serial: per-file wall time and hooks).
"use strict";
const { statSync } = require("node:fs");
const { availableParallelism } = require("node:os");

/** A spec file (.ts), a glob or a folder on the command line (not an option's value, such as a reporter's path). */
const isSpec = (arg) => !arg.startsWith("-") && (/\.ts$/.test(arg) || arg.includes("*") || statSync(arg, { throwIfNoEntry: false })?.isDirectory() === true);
const named = process.argv.slice(2).some(isSpec);

module.exports = {
  require: ["test/register.cjs", "test/setup.ts"],
  ...(named ? {} : { spec: ["test/**/*.test.ts"] }),
  jobs: Math.min(8, Math.max(2, availableParallelism())),
  extension: ["ts"],
  timeout: 20000,
  exit: true,
  recursive: true,
};
