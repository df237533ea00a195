/**
 * A Pulumi program of another team that composes modelshare's components with its own settings: one shared role in
 * the ML account for its "analytics" environment, and the private endpoints in its own account. The policy
 * documents come from modelshare's pure builders, so they hold the same guarantees as modelshare's own stacks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  PrivateRekognitionEndpoint,
  rekognitionEndpointPolicy,
  SHARED_ROLE_PATH,
  SharedModelRole,
  sharedRoleName,
  sharedRolePermissionsPolicy,
  sharedRoleTrustPolicy,
  standardTags,
  stsEndpointPolicy,
} from "modelshare";

const config = new pulumi.Config("analytics");
const environment = "analytics";
const region = config.get("region") ?? "eu-west-1";
const mlAccountId = config.get("mlAccountId") ?? "111111111111";
const consumerAccountId = config.get("accountId") ?? "444444444444";
const organizationId = config.get("organizationId") ?? "o-exampleorg1";
const modelVersionArn =
  config.get("modelVersionArn") ?? `arn:aws:rekognition:${region}:${mlAccountId}:project/defect-detector/version/defect-detector.2026-03-01/1740787200000`;
const applicationRoleArn = `arn:aws:iam::${consumerAccountId}:role/analytics-app`;

const ml = new aws.Provider("ml", { region, allowedAccountIds: [mlAccountId] });
const consumer = new aws.Provider("consumer", { region, allowedAccountIds: [consumerAccountId] });

const roleName = sharedRoleName("analytics-share", environment);
const sharedRoleArn = `arn:aws:iam::${mlAccountId}:role${SHARED_ROLE_PATH}${roleName}`;
const role = new SharedModelRole(
  environment,
  {
    environment,
    roleName,
    path: SHARED_ROLE_PATH,
    trustPolicy: sharedRoleTrustPolicy({ partition: "aws", consumerAccountId, organizationId, applicationPrincipalArns: [applicationRoleArn] }),
    permissionsPolicy: sharedRolePermissionsPolicy({ grantedVersionArns: [modelVersionArn], privateAccess: { enabled: true, conditionKey: "aws:VpceAccount", consumerAccountId } }),
    tags: standardTags(environment),
  },
  { provider: ml },
);

const endpoints = new PrivateRekognitionEndpoint(
  `${environment}-endpoints`,
  {
    region,
    vpcId: config.get("vpcId") ?? "vpc-0123456789abcdef0",
    subnetIds: config.getObject<string[]>("subnetIds") ?? ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    allowedCidrs: ["10.20.0.0/16"],
    allowedSecurityGroupIds: [],
    rekognitionPolicy: rekognitionEndpointPolicy({ sharedRoleArn, grantedVersionArns: [modelVersionArn] }),
    stsPolicy: stsEndpointPolicy({ sharedRoleArn, consumerAccountId }),
    tags: standardTags(environment),
  },
  { provider: consumer },
);

export const sharedRole = role.roleArn;
export const securityGroupId = endpoints.securityGroupId;
