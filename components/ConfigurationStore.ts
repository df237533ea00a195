import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { OPTIONAL_PARAMETER_NAMES, OptionalParameterKey, optionalParameterName, PARAMETER_NAMES, ParameterKey, parameterName } from "../src/contract";

export interface ConfigurationStoreArgs {
  /** Consumer environment: the parameters live under /modelshare/<environment>/. */
  readonly environment: string;
  /** The model version this environment's applications call. */
  readonly modelVersionArn: pulumi.Input<string>;
  /**
   * The environment's shared role in the ML account (the ML stack's sharedRoleArns output). Omit in copy mode, where
   * the application calls its own copy with its own credentials and the shared-role-arn parameter is not created.
   */
  readonly sharedRoleArn?: pulumi.Input<string>;
  /** Region of the shared model (where the client calls Rekognition and STS). */
  readonly region: pulumi.Input<string>;
  /** Applications must call Rekognition's FIPS endpoint (the environment's endpoint is rekognition-fips). @default false */
  readonly useFipsEndpoint?: boolean;
  /** Tags for every resource the component creates. @default none */
  readonly tags?: Record<string, string>;
}

/**
 * The SSM parameters under /modelshare/<env>/ that tell applications which model version to call, through which
 * role, in which region. Promotion switches an environment by changing the model-version-arn parameter here.
 */
export class ConfigurationStore extends pulumi.ComponentResource {
  readonly parameterNames: Record<ParameterKey, string>;
  /** Parameters readers treat as optional (stacks deployed before they existed lack them). */
  readonly optionalParameterNames: Record<OptionalParameterKey, string>;
  readonly parameterArns: pulumi.Output<string[]>;

  constructor(name: string, args: ConfigurationStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:ConfigurationStore", name, {}, opts);
    const values: Partial<Record<ParameterKey, pulumi.Input<string>>> = {
      modelVersionArn: args.modelVersionArn,
      ...(args.sharedRoleArn !== undefined ? { sharedRoleArn: args.sharedRoleArn } : {}),
      region: args.region,
    };
    const optionalValues: Record<OptionalParameterKey, string> = {
      // "true"/"false" as the contract documents; ModelClient and `invoke` read it.
      useFipsEndpoint: String(args.useFipsEndpoint ?? false),
    };
    const parameter = (shortName: string, fullName: string, key: string, value: pulumi.Input<string>) =>
      new aws.ssm.Parameter(
        `${name}-${shortName}`,
        { name: fullName, type: "String", tier: "Standard", value, description: `modelshare: ${key} for ${args.environment}`, tags: args.tags },
        { parent: this },
      );
    const keys = (Object.keys(PARAMETER_NAMES) as ParameterKey[]).filter((key) => values[key] !== undefined);
    const optionalKeys = Object.keys(OPTIONAL_PARAMETER_NAMES) as OptionalParameterKey[];
    const parameters = [
      ...keys.map((key) => parameter(PARAMETER_NAMES[key], parameterName(args.environment, key), key, values[key] as pulumi.Input<string>)),
      ...optionalKeys.map((key) => parameter(OPTIONAL_PARAMETER_NAMES[key], optionalParameterName(args.environment, key), key, optionalValues[key])),
    ];
    this.parameterNames = Object.fromEntries(keys.map((key) => [key, parameterName(args.environment, key)])) as Record<ParameterKey, string>;
    this.optionalParameterNames = Object.fromEntries(optionalKeys.map((key) => [key, optionalParameterName(args.environment, key)])) as Record<OptionalParameterKey, string>;
    this.parameterArns = pulumi.all(parameters.map((p) => p.arn));
    this.registerOutputs({ parameterNames: this.parameterNames, optionalParameterNames: this.optionalParameterNames, parameterArns: this.parameterArns });
  }
}
