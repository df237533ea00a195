import { readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * modelshare's version, from its package.json: the nearest one above this module named "modelshare" (this file runs
 * from src/cli in the sources and from dist/src/cli when built, so the depth differs).
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (manifest.name === "modelshare" && typeof manifest.version === "string") return manifest.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}
