#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the `prepare` script, or `npm run build`).
"use strict";
// Node 20 is this project's pinned runtime (package.json engines): the AWS SDK's NodeVersionSupportWarning would print
// 8 lines before every AWS command. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true is the opt-out the SDK team
// documents (aws/aws-sdk-js-v3 issue #7983); a value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const args = process.argv.slice(2);
// `modelshare --version` answers from package.json without loading the commands (the same text commander prints).
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${require("../package.json").version}\n`);
  process.exit(0);
}
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
cli.main(args).then((code) => process.exit(code));
