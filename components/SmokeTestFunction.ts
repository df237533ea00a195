import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SMOKE_TEST_FUNCTION_ENV } from "../src/contract";
import { InvokePermission } from "../src/policies/consumer";

/** The Node.js runtime: its built-in AWS SDK v3 has the STS and Rekognition clients the handler needs. */
export const SMOKE_TEST_RUNTIME = "nodejs22.x";

/**
 * The handler (src/smokeFunction/handler.ts, self-contained) as the build compiled it to CommonJS: one file, no
 * bundling, the same bytes for the same source, so the archive's hash changes only when the handler does. This module
 * runs from the build (dist/components, the handler next to it under dist/src) or from the sources under ts-node
 * (the tests; the handler then comes from the build's dist/).
 */
export function smokeTestFunctionCode(): string {
  const candidates = [join(__dirname, "..", "src", "smokeFunction", "handler.js"), join(__dirname, "..", "dist", "src", "smokeFunction", "handler.js")];
  const compiled = candidates.find((file) => existsSync(file));
  if (compiled === undefined) throw new Error(`the smoke-test function's compiled handler is missing (looked for ${candidates.join(" and ")}): run npm run build`);
  return readFileSync(compiled, "utf8");
}

export interface SmokeTestFunctionArgs {
  readonly environment: string;
  /** Exact function name (contract.smokeTestFunctionName): the pipeline policy and the consumer guardrail name it. */
  readonly functionName: string;
  /** The smoke-test role the function runs as (created by SmokeTestRole; in share mode trusted by the shared role). */
  readonly roleArn: pulumi.Input<string>;
  /** Resources the role needs before Lambda can use it (its VPC-access attachment): CreateFunction checks them. */
  readonly roleReady: pulumi.Input<pulumi.Resource>[];
  readonly vpcId: pulumi.Input<string>;
  /** The private subnets of the endpoints: the function's calls go through the consumer's own endpoints. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** Security group of the modelshare endpoints: the function may reach them on 443, and nothing else. */
  readonly endpointSecurityGroupId: pulumi.Input<string>;
  /**
   * Share mode: the environment's shared role, which the function assumes. Omitted in copy mode: the function calls
   * the environment's own copy as its own role (MODELSHARE_SHARING=copy), which may call only the listed copies.
   */
  readonly sharedRoleArn?: string | undefined;
  /** Region of the model (the ML stack's). */
  readonly modelRegion: string;
  readonly useFipsEndpoint: boolean;
  /** Who may invoke it (smokeTestInvokePermission): the ML pipeline role only. */
  readonly invokePermission: InvokePermission;
  readonly tags?: Record<string, string>;
}

/**
 * The smoke test as a function in the consumer account: promotion's `verify` invokes it from the ML account with the
 * test image, and it calls the model the way an application does, from the consumer's private subnets as the
 * smoke-test role (through the shared role in share mode; the environment's own copy directly in copy mode). The consumer guardrail lets only the deploy roles change it or pass its role.
 */
export class SmokeTestFunction extends pulumi.ComponentResource {
  readonly functionArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: SmokeTestFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:SmokeTestFunction", name, {}, opts);
    const childOpts = { parent: this };
    const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: `modelshare: ${args.environment} smoke-test function, HTTPS to the endpoints only`, tags: args.tags }, childOpts);
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-https-to-endpoints`,
      { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: args.endpointSecurityGroupId, description: "HTTPS to the model endpoints" },
      childOpts,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-https-from-function`,
      { securityGroupId: args.endpointSecurityGroupId, ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: securityGroup.id, description: "HTTPS from the smoke-test function" },
      childOpts,
    );
    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        name: args.functionName,
        description: `modelshare: promotion's smoke test for ${args.environment}`,
        role: args.roleArn,
        runtime: SMOKE_TEST_RUNTIME,
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(smokeTestFunctionCode()) }),
        timeout: 30,
        memorySize: 256,
        vpcConfig: { subnetIds: args.subnetIds, securityGroupIds: [securityGroup.id] },
        environment: {
          variables: {
            // Share mode keeps exactly the variables it always had; copy mode says so instead of naming a role.
            ...(args.sharedRoleArn !== undefined ? { [SMOKE_TEST_FUNCTION_ENV.sharedRoleArn]: args.sharedRoleArn } : { [SMOKE_TEST_FUNCTION_ENV.sharing]: "copy" }),
            [SMOKE_TEST_FUNCTION_ENV.region]: args.modelRegion,
            [SMOKE_TEST_FUNCTION_ENV.useFipsEndpoint]: String(args.useFipsEndpoint),
            [SMOKE_TEST_FUNCTION_ENV.environment]: args.environment,
          },
        },
        tags: args.tags,
      },
      { ...childOpts, dependsOn: args.roleReady },
    );
    new aws.lambda.Permission(
      `${name}-invoke-from-pipeline`,
      { function: fn.name, statementId: "InvokeFromMlPipeline", ...args.invokePermission },
      childOpts,
    );
    this.functionArn = fn.arn;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ functionArn: this.functionArn, securityGroupId: this.securityGroupId });
  }
}
