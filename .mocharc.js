// mocha's configuration.
// - `npm test` (no files named) runs every spec in parallel worker processes, one per CPU and at least two: on the
//   2-core CI machine that halves the wall time. Each worker is a process of its own (Pulumi's mocks are process-global;
//   test/setup.ts installs them in each), and takes files one at a time. `--jobs N` on the command line overrides.
// - `npx mocha FILE...` runs only the spec files or folders named, in this process: mocha adds a config's `spec` to
//   the files on the command line, so a fixed spec here would run the whole suite every time.
"use strict";
const { availableParallelism } = require("node:os");

const named = process.argv.slice(2).some((arg) => !arg.startsWith("-") && (/^(\.\/)?test\//.test(arg) || /\.test\.ts$/.test(arg)));

module.exports = {
  require: ["ts-node/register/transpile-only", "test/setup.ts"],
  ...(named ? {} : { spec: ["test/**/*.test.ts"], parallel: true, jobs: Math.max(2, availableParallelism()) }),
  extension: ["ts"],
  timeout: 20000,
  recursive: true,
};
