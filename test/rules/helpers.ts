import { loadStackFiles } from "../../src/synth/run";
import { catalogFor } from "../../src/rules/catalog";
import type { CheckedResource } from "../../src/rules/documents";
import { DEFAULT_QUOTAS, deploymentIntent } from "../../src/rules/intent";
import type { Rule, RuleContext } from "../../src/rules/types";
import { PolicyDocument, toJson } from "../../src/policies/document";
import { PROJECT_ROOT } from "../helpers/pulumi";

export const QA_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
export const PROD_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
export const QA_ROLE_ARN = "arn:aws:iam::111111111111:role/modelshare/modelshare-qa";

/** The intent of the example configuration (Pulumi.ml.yaml, Pulumi.qa.yaml, Pulumi.prod.yaml). */
export const exampleIntent = () => deploymentIntent(loadStackFiles(PROJECT_ROOT).map((f) => f.config));

export function resource(type: string, name: string, inputs: Record<string, unknown>, parentType?: string): CheckedResource {
  return { stack: "test", type, name, inputs, ...(parentType ? { parentType } : {}) };
}

export const rolePolicy = (role: string, document: PolicyDocument | string, parentType?: string) =>
  resource("aws:iam/rolePolicy:RolePolicy", `${role}-policy`, { role, name: "policy", policy: typeof document === "string" ? document : toJson(document) }, parentType);

/** A rule context over exactly these resources (the IAM catalog loaded for what they name). */
export async function contextFor(resources: readonly CheckedResource[], extra: Partial<RuleContext> = {}): Promise<RuleContext> {
  return { quotas: DEFAULT_QUOTAS, catalog: await catalogFor(resources), intent: exampleIntent(), ...extra };
}

/** The rule's findings for one resource, with a context loaded for it. */
export async function check(rule: Rule, subject: CheckedResource, extra: Partial<RuleContext> = {}): Promise<readonly string[]> {
  if (!rule.checkResource) throw new Error(`${rule.id} has no resource check`);
  return rule.checkResource(subject, await contextFor([subject], extra));
}
