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
  return new aws.Provider(name, accountProviderArgs(config, target), opts);
}

/** The provider's args, secrets wrapped (Pulumi's mocks see provider inputs unwrapped, so tests look here). */
export function accountProviderArgs(config: WithAwsSettings, target: ProviderTarget): aws.ProviderArgs {
  const { args, secretArgs } = explicitProviderArgs(config.aws ?? { settings: {}, secretKeys: [] }, target);
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, secretArgs.includes(key) ? pulumi.secret(value) : value])) as aws.ProviderArgs;
}
