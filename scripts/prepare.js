// `npm ci` / `npm install` run this (the root package's `prepare`): build dist/ when the toolchain is installed. An
// install without dev dependencies (`--omit=dev`) has no type declarations to build with: it says how to get a
// runtime-only tree with dist/ instead of failing the install.
"use strict";
const { spawnSync } = require("node:child_process");

function installed(name) {
  try {
    require.resolve(`${name}/package.json`, { paths: [process.cwd()] });
    return true;
  } catch {
    return false;
  }
}

if (!installed("@types/node") || !installed("typescript")) {
  process.stderr.write(
    "modelshare: dev dependencies omitted, dist/ not built. For a runtime-only install with the build: `npm ci && npm prune --omit=dev`.\n",
  );
  process.exit(0);
}
const result = spawnSync("npm", ["run", "build"], { stdio: "inherit" });
process.exit(result.status ?? 1);
