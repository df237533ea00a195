/**
 * Just enough of a Mermaid flowchart parser to check what a diagram connects: subgraphs, the subgraph each node is
 * declared in, and edges written `A -->|"label"| B` (also `==>`, `-.->`). Syntax itself is mermaid's own business
 * (test/tools/mermaid-parse.mjs).
 */
export interface Flowchart {
  /** Node id -> the subgraph it is declared in (undefined at top level). */
  readonly nodes: ReadonlyMap<string, string | undefined>;
  readonly subgraphs: ReadonlySet<string>;
  readonly edges: readonly { readonly from: string; readonly to: string; readonly label: string }[];
}

export function parseFlowchart(text: string): Flowchart {
  const nodes = new Map<string, string | undefined>();
  const subgraphs = new Set<string>();
  const edges: { from: string; to: string; label: string }[] = [];
  const open: string[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    const subgraph = /^subgraph\s+(\w+)/.exec(line);
    if (subgraph) {
      subgraphs.add(subgraph[1]);
      open.push(subgraph[1]);
      continue;
    }
    if (line === "end") {
      open.pop();
      continue;
    }
    const edge = /^(\w+)\s*(?:-->|==>|-\.->)\s*(?:\|"([^"]*)"\|)?\s*(\w+)$/.exec(line);
    if (edge) {
      edges.push({ from: edge[1], to: edge[3], label: edge[2] ?? "" });
      continue;
    }
    const node = /^(\w+)\s*[[({]/.exec(line);
    if (node) nodes.set(node[1], open[open.length - 1]);
  }
  return { nodes, subgraphs, edges };
}

/** Edges whose two ends belong to different environments (`environmentOf` undefined: belongs to none). */
export function crossEnvironmentEdges(chart: Flowchart, environmentOf: (id: string) => string | undefined): string[] {
  return chart.edges
    .filter((e) => {
      const [from, to] = [environmentOf(e.from), environmentOf(e.to)];
      return from !== undefined && to !== undefined && from !== to;
    })
    .map((e) => `${e.from} -> ${e.to} (${e.label})`);
}

/** The ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
}
