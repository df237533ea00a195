import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "../..");

/** The section of a Markdown file from `heading` to the next heading of the same level. */
function section(file: string, heading: string): string {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const start = text.indexOf(heading);
  expect(start, `${file} has "${heading}"`).to.be.greaterThan(-1);
  const level = /^#+/.exec(heading)?.[0] ?? "##";
  const next = text.indexOf(`\n${level} `, start + heading.length);
  return text.slice(start, next === -1 ? undefined : next);
}

/**
 * Test titles quoted in prose: "..." strings of a few words, wrapped across lines; a trailing ": ..." marks an
 * abbreviation, and "…" stands for the part a test builds from a template.
 */
function quotedTitles(text: string): string[] {
  return [...text.matchAll(/"([a-zA-Z][^"]{20,})"/g)].map((match) => match[1].replace(/\s+/g, " ").replace(/:? ?\.\.\.$/, ""));
}

describe("the client's documentation names tests that exist", () => {
  const sources = readdirSync(path.join(ROOT, "test/client"))
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => readFileSync(path.join(ROOT, "test/client", file), "utf8"))
    .join("\n");

  for (const [file, heading] of [
    ["README.md", "## Calling the model from an application"],
    ["docs/client.md", "## Under load and faults"],
  ] as const) {
    it(`${file}: every test quoted under "${heading}" is in test/client`, () => {
      const titles = quotedTitles(section(file, heading));
      expect(titles.length).to.be.greaterThan(5);
      const missing = titles.filter((title) => !title.split("…").every((part) => sources.includes(part.trim())));
      expect(missing).to.deep.equal([]);
    });
  }
});
