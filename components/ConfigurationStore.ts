import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PARAMETER_NAMES, ParameterKey, parameterName } from "../src/contract";

export interface ConfigurationStoreArgs {
  readonly environment: string;
  /** The model version this environment's applications call. */
  readonly modelVersionArn: pulumi.Input<string>;
  readonly sharedRoleArn: pulumi.Input<string>;
  /** Region of the shared model (where the client calls Rekognition and STS). */
  readonly region: pulumi.Input<string>;
  readonly tags?: Record<string, string>;
}

/**
 * The SSM parameters under /modelshare/<env>/ that tell applications which model version to call, through which
 * role, in which region. Promotion switches an environment by changing the model-version-arn parameter here.
 */
export class ConfigurationStore extends pulumi.ComponentResource {
  readonly parameterNames: Record<ParameterKey, string>;
  readonly parameterArns: pulumi.Output<string[]>;

  constructor(name: string, args: ConfigurationStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:ConfigurationStore", name, {}, opts);
    const values: Record<ParameterKey, pulumi.Input<string>> = {
      modelVersionArn: args.modelVersionArn,
      sharedRoleArn: args.sharedRoleArn,
      region: args.region,
    };
    const keys = Object.keys(PARAMETER_NAMES) as ParameterKey[];
    const parameters = keys.map(
      (key) =>
        new aws.ssm.Parameter(
          `${name}-${PARAMETER_NAMES[key]}`,
          {
            name: parameterName(args.environment, key),
            type: "String",
            tier: "Standard",
            value: values[key],
            description: `modelshare: ${key} for ${args.environment}`,
            tags: args.tags,
          },
          { parent: this },
        ),
    );
    this.parameterNames = Object.fromEntries(keys.map((key) => [key, parameterName(args.environment, key)])) as Record<ParameterKey, string>;
    this.parameterArns = pulumi.all(parameters.map((p) => p.arn));
    this.registerOutputs({ parameterNames: this.parameterNames, parameterArns: this.parameterArns });
  }
}
