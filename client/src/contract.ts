/**
 * `@modelshare/client/contract`: what the modelshare Pulumi program and the client share, without the AWS SDK
 * clients (loading this entry loads no SDK): the SSM parameter names, ARN parsing and the configuration error.
 */
export * from "./parameterNames";
export * from "./arn";
export * from "./configError";
