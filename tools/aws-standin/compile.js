// Transpiles the stand-in provider to .engine/aws-standin once per lane run (tools/engine-lane.sh): the engine starts
// one plugin process per provider resource, and plain JavaScript starts in a fraction of ts-node's time. Types are
// checked by `npm test` (tsconfig.json includes tools/).
const { mkdirSync, readdirSync, readFileSync, writeFileSync } = require("node:fs");
const { dirname, join, relative } = require("node:path");
const ts = require("typescript");

const source = __dirname;
const out = join(source, "..", "..", ".engine", "aws-standin");
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
for (const file of walk(source)) {
  const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const target = join(out, relative(source, file)).replace(/\.ts$/, ".js");
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}
