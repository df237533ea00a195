/**
 * The entry point Pulumi runs when another language uses modelshare as a component package (PulumiPlugin.yaml): it
 * serves the components through Pulumi's component provider host, which derives their schema from the TypeScript
 * sources (so it runs from a checkout, after `npm ci`). Not imported by the library entry (./index): importing this
 * module starts a provider.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import * as path from "node:path";
import { CROSS_LANGUAGE_COMPONENTS } from "./crossLanguage";

componentProviderHost({ components: [...CROSS_LANGUAGE_COMPONENTS], name: "modelshare", dirname: path.resolve(__dirname, "..", "..") }).catch((error: unknown) => {
  process.stderr.write(`modelshare component provider: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
