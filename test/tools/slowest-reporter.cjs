// A mocha reporter for finding where `npm test`'s time goes (review S15): dots while running, then the files, hooks and
// tests that took longest. Serial runs give each file's wall time and every hook's; parallel runs (mocha replays a
// worker's events when its file ends) give per-file sums of test durations only.
//   npx mocha --reporter test/tools/slowest-reporter.cjs      (the whole suite, in one process)
"use strict";
const path = require("node:path");
const Mocha = require(require.resolve("mocha", { paths: [process.cwd()] }));

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_HOOK_BEGIN, EVENT_HOOK_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;
const TOP = 25;

class SlowestReporter extends Mocha.reporters.Base {
  constructor(runner, options) {
    super(runner, options);
    const started = Date.now();
    const files = new Map(); // file -> { begin, end, tests, testMs }
    const hooks = [];
    const tests = [];
    const hookBegan = new Map();
    const fileOf = (file) => {
      if (!files.has(file)) files.set(file, { begin: Date.now(), end: Date.now(), tests: 0, testMs: 0 });
      return files.get(file);
    };
    runner.on(EVENT_SUITE_BEGIN, (suite) => suite.file && fileOf(suite.file));
    runner.on(EVENT_SUITE_END, (suite) => suite.file && (fileOf(suite.file).end = Date.now()));
    runner.on(EVENT_HOOK_BEGIN, (hook) => hookBegan.set(hook, Date.now()));
    runner.on(EVENT_HOOK_END, (hook) => hookBegan.has(hook) && hooks.push({ title: hook.fullTitle(), file: hook.file, ms: Date.now() - hookBegan.get(hook) }));
    const record = (test) => {
      tests.push({ title: test.fullTitle(), file: test.file, ms: test.duration ?? 0 });
      const file = fileOf(test.file);
      file.tests += 1;
      file.testMs += test.duration ?? 0;
      process.stdout.write(test.state === "failed" ? "F" : ".");
    };
    runner.on(EVENT_TEST_PASS, record);
    runner.on(EVENT_TEST_FAIL, (test, error) => {
      record(test);
      process.stdout.write(`\nFAILED ${test.fullTitle()}: ${error.message}\n`);
    });
    runner.once(EVENT_RUN_END, () => {
      const rel = (file) => (file ? path.relative(process.cwd(), file) : "(root)");
      const ms = (n) => `${String(Math.round(n)).padStart(7)} ms`;
      const lines = [`\n\n${this.stats.passes} passing, ${this.stats.failures} failing, ${this.stats.pending} pending; ${((Date.now() - started) / 1000).toFixed(1)} s`];
      lines.push("-- files: wall time (serial runs) | sum of test durations | tests");
      [...files.entries()]
        .sort((a, b) => b[1].end - b[1].begin - (a[1].end - a[1].begin) || b[1].testMs - a[1].testMs)
        .slice(0, TOP)
        .forEach(([file, f]) => lines.push(`${ms(f.end - f.begin)} | ${ms(f.testMs)} | ${String(f.tests).padStart(4)}  ${rel(file)}`));
      if (hooks.length > 0) {
        lines.push("-- slowest hooks");
        hooks.sort((a, b) => b.ms - a.ms).slice(0, TOP).forEach((h) => lines.push(`${ms(h.ms)}  ${rel(h.file)}  ${h.title}`));
      }
      lines.push("-- slowest tests");
      tests.sort((a, b) => b.ms - a.ms).slice(0, TOP).forEach((t) => lines.push(`${ms(t.ms)}  ${rel(t.file)}  ${t.title}`));
      process.stdout.write(`${lines.join("\n")}\n`);
    });
  }
}

module.exports = SlowestReporter;
