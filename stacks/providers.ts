import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { explicitProviderArgs, ProviderTarget } from "../src/config/awsProvider";
import { WithAwsSettings } from "../src/config/schema";

/**
 * An explicit AWS provider for one account, given the stack's aws:* settings as the default provider would get
 * them (an explicit provider reads none of them itself: src/config/awsProvider.ts says which pass and how).
 * Credentials and settings Pulumi holds as secrets are handed over as secrets, so the state keeps them encrypted.
 */
export function accountProvider(name: string, config: WithAwsSettings, target: ProviderTarget, opts?: pulumi.CustomResourceOptions): aws.Provider {
  const { args, secretArgs } = explicitProviderArgs(config.aws ?? { settings: {}, secretKeys: [] }, target);
  const inputs = Object.fromEntries(Object.entries(args).map(([key, value]) => [key, secretArgs.includes(key) ? pulumi.secret(value) : value]));
  return new aws.Provider(name, inputs as aws.ProviderArgs, opts);
}
