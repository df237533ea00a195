import * as path from "node:path";
import { readStackFile } from "../../src/config/raw";
import { PROJECT_ROOT } from "../helpers/pulumi";

/** The copy-mode example (examples/copy): qa and prod share, staging copies. */
export const COPY_DIR = path.join(PROJECT_ROOT, "examples", "copy");
export const copyExample = (stack: "ml" | "qa" | "prod" | "staging") => readStackFile(path.join(COPY_DIR, `Pulumi.${stack}.yaml`));
