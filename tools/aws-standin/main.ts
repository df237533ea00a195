// The engine lane's stand-in for the `aws` resource plugin (see docs/engine-lane.md). It reports the version of
// @pulumi/aws that the project installs, so the engine takes it for the plugin the SDK asks for.
import { readFileSync } from "node:fs";
import { serve } from "./server";

const awsPackage = JSON.parse(readFileSync(require.resolve("@pulumi/aws/package.json"), "utf8")) as { version: string; pulumi?: { version?: string } };
serve(awsPackage.pulumi?.version ?? awsPackage.version);
