// ts-node for the tests, transpiling with swc (@swc/core, a dev dependency) instead of TypeScript: the same per-file,
// type-free transpilation as ts-node/register/transpile-only at a fraction of the CPU (loading the CLI, the stacks and
// the matrix: 5.6 s -> 1.5 s per process, paid again by each parallel worker; `npm test`: 131 s -> 95 s of CPU).
// Types are checked by `tsc -b`, which `npm test` runs first. Without a usable @swc/core binary (a platform it does
// not ship for), ts-node's TypeScript transpiler does the same work, slower.
"use strict";
let swc = true;
try {
  require("@swc/core");
} catch {
  swc = false;
}
require("ts-node").register({ transpileOnly: true, swc });
