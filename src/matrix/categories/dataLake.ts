import { REKOGNITION_SERVICE } from "../../policies/dataLake";
import type { NamedPolicy } from "../simulator";
import { ADMINISTRATOR, OTHER_ORGANIZATION_ID as OUTSIDE_ORGANIZATION_ID, scpLevels, sessionArn } from "../callers";
import type { Expectation, MatrixCase } from "../cases";
import type { DataLakeView, Topology } from "../topology";

/**
 * The data-lake category: who can read and write the training bucket through modelshare's grant. Every request is
 * evaluated against the grant's bucket policy (the synthesized one in merge mode, the statements the owner adds in
 * statements mode). `expected` comes from the config: only the training principal, only its prefixes, only over
 * TLS; Rekognition's service principal only when opted in, and then only for the ML account when
 * requireSourceAccount is on.
 */

/** Account ids no example uses, for "another account" (the ML config's accounts are checked against them). */
const STRANGER_ACCOUNTS = ["210987654321", "210987654322", "210987654323"];

interface S3Request {
  readonly action: "s3:ListBucket" | "s3:GetObject" | "s3:PutObject";
  readonly resource: string;
  readonly context: Record<string, string>;
}

function strangerAccount(topology: Topology): string {
  const used = new Set([topology.ml.mlAccountId, ...Object.values(topology.ml.consumers).map((c) => c.accountId), topology.dataLake?.bucketAccountId]);
  return STRANGER_ACCOUNTS.find((a) => !used.has(a)) ?? STRANGER_ACCOUNTS[0];
}

/** The requests of the category, relative to the grant's prefixes. */
function requests(partition: string, view: DataLakeView, trainingPrefix: string, outputPrefix: string | undefined) {
  const bucket = `arn:${partition}:s3:::${view.bucketName}`;
  const tls = { "aws:SecureTransport": "true" };
  const object = (key: string) => `${bucket}/${key}`;
  return {
    listTraining: { action: "s3:ListBucket", resource: bucket, context: { ...tls, "s3:prefix": trainingPrefix } } as S3Request,
    listWholeBucket: { action: "s3:ListBucket", resource: bucket, context: { ...tls, "s3:prefix": "" } } as S3Request,
    readTraining: { action: "s3:GetObject", resource: object(`${trainingPrefix}images/part-0001.jpg`), context: tls } as S3Request,
    readTrainingPlainHttp: { action: "s3:GetObject", resource: object(`${trainingPrefix}images/part-0001.jpg`), context: { "aws:SecureTransport": "false" } } as S3Request,
    readElsewhere: { action: "s3:GetObject", resource: object("finance/ledger-2026.csv"), context: tls } as S3Request,
    writeTraining: { action: "s3:PutObject", resource: object(`${trainingPrefix}injected.jpg`), context: { ...tls, "s3:x-amz-acl": "bucket-owner-full-control" } } as S3Request,
    ...(outputPrefix !== undefined
      ? {
          writeOutput: { action: "s3:PutObject", resource: object(`${outputPrefix}manifest.json`), context: { ...tls, "s3:x-amz-acl": "bucket-owner-full-control" } } as S3Request,
          writeOutputWithoutAcl: { action: "s3:PutObject", resource: object(`${outputPrefix}manifest.json`), context: tls } as S3Request,
        }
      : {}),
  };
}

export function dataLakeCases(topology: Topology): MatrixCase[] {
  const view = topology.dataLake;
  const ml = topology.ml;
  if (view === undefined) return [];
  const d = ml.dataLake;
  const trainingPrincipalArn = d.trainingPrincipalArn ?? ml.pipelineRoleArn;
  const r = requests(ml.partition, view, d.trainingPrefix, d.outputPrefix);
  const cases: MatrixCase[] = [];

  const roleCase = (kind: string, scenario: string, roleArn: string, organizationId: string, identity: readonly NamedPolicy[], request: S3Request, expected: Expectation): MatrixCase => {
    const account = roleArn.split(":")[4];
    const principal = sessionArn(roleArn);
    return {
      category: "data-lake",
      kind,
      scenario,
      principal,
      action: request.action,
      resource: request.resource,
      expected,
      resourcePolicyLabel: `bucket policy of ${view.bucketName}`,
      simulation: {
        request: {
          principal,
          action: request.action,
          resource: { resource: request.resource, accountId: view.bucketAccountId },
          contextVariables: { "aws:PrincipalArn": roleArn, "aws:PrincipalAccount": account, "aws:PrincipalOrgID": organizationId, ...request.context },
        },
        identityPolicies: identity,
        serviceControlPolicies: account === ml.mlAccountId ? scpLevels(topology, account, "ml") : organizationId === ml.organizationId ? scpLevels(topology, account, "other-member") : [],
        resourceControlPolicies: [],
        resourcePolicy: view.bucketPolicy,
      },
    };
  };

  // 1. The training principal. The pipeline role usually holds broad rights in the ML account, so it is evaluated
  //    with AdministratorAccess: the bucket policy is what limits it. Its allowed requests are evaluated once more
  //    with only the identity policy the stack publishes for it, to show that policy is enough.
  const training = (scenario: string, request: S3Request | undefined, expected: Expectation) => {
    if (!request) return;
    cases.push(roleCase("data-lake-training-principal", `training principal -> ${scenario}`, trainingPrincipalArn, ml.organizationId, [ADMINISTRATOR], request, expected));
    if (expected === "Allowed" && view.trainingPrincipalPolicy) {
      const published: NamedPolicy = { name: "training principal policy (dataLake output)", policy: view.trainingPrincipalPolicy };
      cases.push(roleCase("data-lake-training-principal", `training principal with only the published policy -> ${scenario}`, trainingPrincipalArn, ml.organizationId, [published], request, expected));
    }
  };
  training("list the training prefix", r.listTraining, "Allowed");
  training("list the whole bucket", r.listWholeBucket, "Denied");
  training("read training data", r.readTraining, "Allowed");
  training("read training data over plain HTTP", r.readTrainingPlainHttp, "Denied");
  training("read another team's data", r.readElsewhere, "Denied");
  training("write into the training prefix", r.writeTraining, "Denied");
  training("write training output with bucket-owner-full-control", r.writeOutput, "Allowed");
  training("write training output without bucket-owner-full-control", r.writeOutputWithoutAcl, "Denied");

  // 2. Everyone else holds AdministratorAccess in their own account: only the bucket policy can stop them.
  const mlAdministrator = `arn:${ml.partition}:iam::${ml.mlAccountId}:role/ml-account-administrator`;
  cases.push(roleCase("data-lake-other-principal", "ML-account administrator (not the training principal) -> read training data", mlAdministrator, ml.organizationId, [ADMINISTRATOR], r.readTraining, "Denied"));
  const outsider = `arn:${ml.partition}:iam::${strangerAccount(topology)}:role/administrator`;
  cases.push(roleCase("data-lake-other-principal", "an account outside the organization -> read training data", outsider, OUTSIDE_ORGANIZATION_ID, [ADMINISTRATOR], r.readTraining, "Denied"));

  // 3. Rekognition's service principal: allowed only when opted in, and for the ML account only unless turned off.
  const sharedProjectJob = `${topology.projectArn.slice(0, topology.projectArn.lastIndexOf("/"))}/version/matrix-training/1700000000000`;
  const service = (scenario: string, request: S3Request, sourceAccount: string | undefined, expected: Expectation, sourceArn: string | undefined = sharedProjectJob) => {
    const context = { ...request.context, ...(sourceAccount !== undefined ? { "aws:SourceAccount": sourceAccount } : {}), ...(sourceArn !== undefined ? { "aws:SourceArn": sourceArn } : {}) };
    cases.push({
      category: "data-lake",
      kind: "data-lake-service-principal",
      scenario: `${REKOGNITION_SERVICE} -> ${scenario}`,
      principal: REKOGNITION_SERVICE,
      action: request.action,
      resource: request.resource,
      expected,
      resourcePolicyLabel: `bucket policy of ${view.bucketName}`,
      simulation: {
        request: { principal: REKOGNITION_SERVICE, action: request.action, resource: { resource: request.resource, accountId: view.bucketAccountId }, contextVariables: context },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: view.bucketPolicy,
      },
    });
  };
  const optedIn = d.rekognitionServicePrincipal;
  service("read training data for the ML account", r.readTraining, ml.mlAccountId, optedIn ? "Allowed" : "Denied");
  service("read training data for another account", r.readTraining, strangerAccount(topology), optedIn && !d.requireSourceAccount ? "Allowed" : "Denied");
  service("read training data with no source account", r.readTraining, undefined, optedIn && !d.requireSourceAccount ? "Allowed" : "Denied");
  service("read another team's data for the ML account", r.readElsewhere, ml.mlAccountId, "Denied");
  // Another project of the ML account (anyone there may create one): its jobs are not the training principal's.
  const otherProject = `arn:${ml.partition}:rekognition:${ml.region}:${ml.mlAccountId}:project/someone-elses-model/version/v1/1700000000000`;
  service("read training data for another project of the ML account", r.readTraining, ml.mlAccountId, optedIn && !d.requireSourceArn ? "Allowed" : "Denied", otherProject);
  return cases;
}
