/**
 * The AWS SDK clients the CLI's commands call, each loaded on first use: together they take a few tenths of a second
 * to load, which `modelshare --help` and the commands that never call AWS (synth, data-lake check, a dry run) should
 * not pay. Modules import their types with `import type` and their classes through these.
 */
function once<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

export const cloudwatchSdk = once(() => require("@aws-sdk/client-cloudwatch") as typeof import("@aws-sdk/client-cloudwatch"));
export const dynamodbSdk = once(() => require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb"));
export const rekognitionSdk = once(() => require("@aws-sdk/client-rekognition") as typeof import("@aws-sdk/client-rekognition"));
export const ssmSdk = once(() => require("@aws-sdk/client-ssm") as typeof import("@aws-sdk/client-ssm"));
export const stsSdk = once(() => require("@aws-sdk/client-sts") as typeof import("@aws-sdk/client-sts"));
export const lambdaSdk = once(() => require("@aws-sdk/client-lambda") as typeof import("@aws-sdk/client-lambda"));
