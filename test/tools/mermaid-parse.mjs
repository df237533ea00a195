// Parses every ```mermaid block of the Markdown files named on the command line with mermaid itself, in a
// process of its own: mermaid needs a DOM (jsdom here), and DOM globals must not leak into the other tests.
// Prints one JSON line: [{ file, block, error? }]. Exit 0 either way; the test asserts on the result.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
Object.assign(globalThis, { window: dom.window, document: dom.window.document, DOMParser: dom.window.DOMParser, Element: dom.window.Element, HTMLElement: dom.window.HTMLElement });
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const results = [];
for (const file of process.argv.slice(2)) {
  const blocks = [...readFileSync(file, "utf8").matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match) => match[1]);
  for (const [index, block] of blocks.entries()) {
    try {
      await mermaid.parse(block);
      results.push({ file, block: index + 1 });
    } catch (error) {
      results.push({ file, block: index + 1, error: String(error?.message ?? error).split("\n").slice(0, 4).join(" ") });
    }
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
