import { DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { GetParametersCommand, GetParametersCommandOutput, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { parameterName } from "../../../src/contract";

export const ENV = "qa";
export const ML_ACCOUNT = "111122223333";
export const V1 = `arn:aws:rekognition:eu-west-1:${ML_ACCOUNT}:project/parts/version/parts.v1/1700000000001`;
export const V2 = `arn:aws:rekognition:eu-west-1:${ML_ACCOUNT}:project/parts/version/parts.v2/1700000000002`;
export const ROLE = `arn:aws:iam::${ML_ACCOUNT}:role/modelshare/modelshare-qa`;
export const REGION = "eu-west-1";

/** What GetParameters returns when the consumer stack wrote these values (omitted keys are reported invalid). */
export function parameters(
  values: { modelVersionArn?: string; sharedRoleArn?: string; region?: string },
  environment = ENV,
): GetParametersCommandOutput {
  const all = { modelVersionArn: V1, sharedRoleArn: ROLE, region: REGION, ...values };
  const keys = ["modelVersionArn", "sharedRoleArn", "region"] as const;
  return {
    $metadata: {},
    Parameters: keys
      .filter((key) => all[key] !== "")
      .map((key) => ({ Name: parameterName(environment, key), Type: "String", Value: all[key], Version: 1 })),
    InvalidParameters: keys.filter((key) => all[key] === "").map((key) => parameterName(environment, key)),
  };
}

/** A copy environment's account (the consumer account holding its own copies) and two copies there. */
export const CONSUMER_ACCOUNT = "555555555555";
export const COPY1 = `arn:aws:rekognition:eu-west-1:${CONSUMER_ACCOUNT}:project/parts-qa/version/parts.v1/1700000000101`;
export const COPY2 = `arn:aws:rekognition:eu-west-1:${CONSUMER_ACCOUNT}:project/parts-qa/version/parts.v2/1700000000102`;

/**
 * What GetParameters returns in a copy environment: no shared-role-arn (unless given), and each parameter with its ARN,
 * which names the account holding the parameters (`account`; `withArns: false` drops the ARNs).
 */
export function copyParameters(
  values: { modelVersionArn?: string; sharedRoleArn?: string; region?: string },
  options: { account?: string; withArns?: boolean } = {},
  environment = ENV,
): GetParametersCommandOutput {
  const all: Record<string, string | undefined> = { modelVersionArn: COPY1, region: REGION, ...values };
  const account = options.account ?? CONSUMER_ACCOUNT;
  const keys = (["modelVersionArn", "sharedRoleArn", "region"] as const).filter((key) => all[key] !== undefined);
  return {
    $metadata: {},
    Parameters: keys.map((key) => ({
      Name: parameterName(environment, key),
      Type: "String",
      Value: all[key],
      Version: 1,
      ...(options.withArns === false ? {} : { ARN: `arn:aws:ssm:${REGION}:${account}:parameter${parameterName(environment, key)}` }),
    })),
    InvalidParameters: (["modelVersionArn", "sharedRoleArn", "region"] as const).filter((key) => all[key] === undefined).map((key) => parameterName(environment, key)),
  };
}

/** An AWS service error as the SDK raises it: `name` is the error code. */
export function awsError(name: string, message = name, attempts?: number, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? "server" : "client", $metadata: { httpStatusCode, attempts } });
}

export function assumeRoleOutput(accessKeyId: string, expiration: Date) {
  return {
    Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: `${accessKeyId}-secret`, SessionToken: `${accessKeyId}-token`, Expiration: expiration },
  };
}

export interface AwsMocks {
  readonly ssm: AwsClientStub<SSMClient>;
  readonly sts: AwsClientStub<STSClient>;
  readonly rekognition: AwsClientStub<RekognitionClient>;
  /** Number of calls made to any of the three services. */
  callCount(): number;
  restore(): void;
}

/** Mocks the three SDK clients' prototypes, so clients built anywhere (ModelClient, the CLI) answer from here. */
export function mockAws(): AwsMocks {
  const ssm = mockClient(SSMClient);
  const sts = mockClient(STSClient);
  const rekognition = mockClient(RekognitionClient);
  // ModelClient resolves the shared role's credentials before each call: a session valid for an hour by default.
  sts.on(AssumeRoleCommand).resolves(assumeRoleOutput("ASSUMED", new Date(Date.now() + 3_600_000)));
  return {
    ssm,
    sts,
    rekognition,
    callCount: () => ssm.calls().length + sts.calls().length + rekognition.calls().length,
    restore() {
      ssm.restore();
      sts.restore();
      rekognition.restore();
    },
  };
}

/** The version each DetectCustomLabels call went to, in order. */
export function calledVersions(mocks: AwsMocks): Array<string | undefined> {
  return mocks.rekognition.commandCalls(DetectCustomLabelsCommand).map((call) => call.args[0].input.ProjectVersionArn);
}

export function parameterReads(mocks: AwsMocks): number {
  return mocks.ssm.commandCalls(GetParametersCommand).length;
}

export function assumeRoleCalls(mocks: AwsMocks) {
  return mocks.sts.commandCalls(AssumeRoleCommand);
}

/** The SDK client instance that made call `n` (aws-sdk-client-mock stubs `send`, so `this` is the real client). */
export function rekognitionClientOfCall(mocks: AwsMocks, n = 0): RekognitionClient {
  return mocks.rekognition.call(n).thisValue as RekognitionClient;
}

export function stsClientOfCall(mocks: AwsMocks, n = 0): STSClient {
  return mocks.sts.call(n).thisValue as STSClient;
}
