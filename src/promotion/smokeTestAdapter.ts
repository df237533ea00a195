import type { STSClient } from "@aws-sdk/client-sts";
import type { ModelClient as ModelClientType } from "@modelshare/client";
import { assumedRoleCredentials, sessionName } from "./credentials";
import { DetectedLabel, SmokeTester, SmokeTestRequest } from "./verify";

/**
 * The real smoke test: the path an application takes. The pipeline assumes the environment's smoke-test principal
 * (a role in the consumer account, trusted by the shared role) through regional STS, then ModelClient assumes the
 * shared role from there and calls DetectCustomLabels; for a copy environment (no sharedRoleArn) it calls the copy
 * directly as the smoke-test principal, no second AssumeRole. ModelClient's errors (NotGrantedError, AssumeRoleError, ...)
 * reach verifyWithRetry unchanged; it decides which ones IAM propagation explains.
 */
export class ModelClientSmokeTester implements SmokeTester {
  constructor(private readonly stsFor: (region: string) => STSClient) {}

  async detectLabels(request: SmokeTestRequest): Promise<readonly DetectedLabel[]> {
    const baseCredentials = assumedRoleCredentials(this.stsFor(request.region), request.principalRoleArn, sessionName("verify", request.environment));
    // A fresh client per attempt: nothing cached from a denied attempt survives into the next one.
    // The client package (with its SDK clients) loads when a smoke test runs, not with every command.
    const { ModelClient } = require("@modelshare/client") as { ModelClient: typeof ModelClientType };
    const client = ModelClient.fromExplicit(
      { modelVersionArn: request.modelVersionArn, sharedRoleArn: request.sharedRoleArn, region: request.region },
      { baseCredentials, roleSessionName: sessionName("smoke-test", request.environment) },
    );
    try {
      const labels = await client.detectLabels(request.image, { minConfidence: request.minConfidence });
      return labels.map((l) => ({ name: l.name, confidence: l.confidence }));
    } finally {
      client.destroy(); // its STS and Rekognition connections; verify may make a dozen attempts
    }
  }
}
