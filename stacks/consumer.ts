import * as pulumi from "@pulumi/pulumi";
import { ApplicationAccess } from "../components/ApplicationAccess";
import { CheckedRoleTrust } from "../components/CheckedRoleTrust";
import { ConfigurationStore } from "../components/ConfigurationStore";
import { PrivateRekognitionEndpoint } from "../components/PrivateRekognitionEndpoint";
import { SmokeTestFunction } from "../components/SmokeTestFunction";
import { SmokeTestRole } from "../components/SmokeTestRole";
import { parseRoleArn } from "../src/arn";
import { applicationRoleArn, crossCheckWithMl, sharingOf, defaultApplicationRoleName, MlStackOutputs, outputDetailsValue, readMlOutputs } from "../src/config/crossStack";
import { ConfigError } from "../src/config/problems";
import { ConsumerConfig, NAMESPACE } from "../src/config/schema";
import { CONSUMER_OUTPUTS, MODELSHARE_ROLE_PATH, OPTIONAL_PARAMETER_NAMES, smokeTestFunctionArn, smokeTestFunctionName, OptionalParameterKey, optionalParameterName, parameterName, PARAMETER_NAMES, ParameterKey, standardTags } from "../src/contract";
import { copyOf, NOT_COPIED_YET } from "../src/config/copy";
import { CopyDestination } from "../components/CopyDestination";
import { copyApplicationPolicy, copyKeyPolicy, copyRekognitionEndpointPolicy, copySmokeTestPolicy, outputBucketPolicy } from "../src/policies/copy";
import { PolicyDocument } from "../src/policies/document";
import { BudgetError } from "../src/errors";
import { checkInlineBudget } from "../src/plan";
import {
  applicationPolicy,
  applicationTrustPolicy,
  EKS_POD_IDENTITY_SERVICE,
  lambdaVpcAccessPolicyArn,
  rekognitionEndpointPolicy,
  smokeTestFunctionTrustPolicy,
  smokeTestInvokePermission,
  smokeTestPolicy,
  smokeTestTrustPolicy,
  ssmEndpointPolicy,
  stsEndpointPolicy,
} from "../src/policies/consumer";
import { planNetwork } from "./consumerNetwork";
import { requireNarrowTrusts } from "./lookups/roleTrust";
import { accountProvider } from "./providers";

/**
 * ARNs of the environment's parameters, the optional ones included (applications read them too): names are ours, so
 * the application policy and the SSM endpoint policy can name them exactly.
 */
export function parameterArns(config: ConsumerConfig): string[] {
  const names = [
    ...(Object.keys(PARAMETER_NAMES) as ParameterKey[]).map((key) => parameterName(config.environment, key)),
    ...(Object.keys(OPTIONAL_PARAMETER_NAMES) as OptionalParameterKey[]).map((key) => optionalParameterName(config.environment, key)),
  ];
  return names.map((name) => `arn:${config.partition}:ssm:${config.region}:${config.accountId}:parameter${name}`);
}

/** The documents and values that differ between the two ways an environment reaches the model. */
interface ModelAccess {
  /** Share mode: the ML account's role the application assumes; copy mode: none. */
  readonly sharedRoleArn?: string;
  /** What the model-version-arn parameter says: the ML version (share) or this account's copy of it (copy). */
  readonly calledVersionArn: string;
  readonly applicationPolicy: PolicyDocument;
  readonly rekognitionEndpointPolicy: PolicyDocument;
  /** Share mode only: applications assume the shared role through the STS endpoint. */
  readonly stsEndpointPolicy?: PolicyDocument;
  readonly smokeTestPolicy: PolicyDocument;
}

/** Share mode: assume the ML stack's shared role, call the versions granted to this environment. */
function sharedAccess(config: ConsumerConfig, ml: MlStackOutputs, ownParameterArns: string[]): ModelAccess {
  const env = config.environment;
  const sharedRoleArn = ml.sharedRoleArns[env];
  // On EKS Pod Identity the application's session carries transitive tags: its chained AssumeRole needs TagSession.
  const tagSession = config.application.trustedServices.includes(EKS_POD_IDENTITY_SERVICE);
  return {
    sharedRoleArn,
    calledVersionArn: config.modelVersionArn,
    applicationPolicy: applicationPolicy({ sharedRoleArn, parameterArns: ownParameterArns, tagSession }),
    rekognitionEndpointPolicy: rekognitionEndpointPolicy({ sharedRoleArn, grantedVersionArns: ml.grantedVersions[env] }),
    stsEndpointPolicy: stsEndpointPolicy({ sharedRoleArn, consumerAccountId: config.accountId, tagSession }),
    smokeTestPolicy: smokeTestPolicy({ sharedRoleArn }),
  };
}

/** Copy mode: call this account's own copies with the application's own credentials; no shared role, no STS. */
function copyAccess(config: ConsumerConfig, ownParameterArns: string[]): ModelAccess {
  const copiedVersionArns = (config.copy?.versions ?? []).map((v) => v.copy);
  return {
    calledVersionArn: copyOf(config.copy, config.modelVersionArn) ?? NOT_COPIED_YET,
    applicationPolicy: copyApplicationPolicy({ copiedVersionArns, parameterArns: ownParameterArns }),
    rekognitionEndpointPolicy: copyRekognitionEndpointPolicy({ copiedVersionArns, consumerAccountId: config.accountId }),
    smokeTestPolicy: copySmokeTestPolicy({ copiedVersionArns }),
  };
}

/**
 * A consumer account's stack (qa, prod, ...): reads its shared role from the ML stack, then creates the private
 * endpoints, the application's access and the configuration store. The ML stack's outputs are awaited and
 * checked against this config before any other resource is registered.
 */
export async function consumerStack(config: ConsumerConfig): Promise<Record<string, pulumi.Input<unknown>>> {
  const mlReference = new pulumi.StackReference("ml", { name: config.mlStack });
  const ml: MlStackOutputs = await readMlOutputs(
    async (name) => outputDetailsValue(await mlReference.getOutputDetails(name)),
    config.mlStack,
  );
  const problems = crossCheckWithMl(config, ml, config.mlStack);
  if (problems.length > 0) throw new ConfigError(problems, `the ${config.environment} stack's config (checked against ${config.mlStack})`);

  const env = config.environment;
  const ownParameterArns = parameterArns(config);
  const access = sharingOf(ml, env) === "copy" ? copyAccess(config, ownParameterArns) : sharedAccess(config, ml, ownParameterArns);
  const overBudget = checkInlineBudget(`application role of "${env}": inline policies together`, [access.applicationPolicy], config.quotas);
  if (overBudget.length > 0) throw new BudgetError(overBudget);

  const tags = standardTags(env);
  const provider = accountProvider(`${env}-account`, config, {
    region: config.region,
    accountId: config.accountId,
    ...(config.deployRoleArn !== undefined ? { assumeRole: { roleArn: config.deployRoleArn, sessionName: `modelshare-${env}` } } : {}),
  });

  // The one principal the consumer guardrail lets change /modelshare/ roles: whoever can assume it can take them over.
  const deployTrust =
    config.deployRoleArn !== undefined
      ? await requireNarrowTrusts([{ key: `${NAMESPACE}:deployRoleArn`, roleArn: config.deployRoleArn, what: `the deploy role of "${env}" (the only principal that may change its /modelshare/ roles)` }], provider)
      : [];

  const network = config.network;
  const networkPlan = await planNetwork(config, access.sharedRoleArn ?? "(none: copy mode)", provider);
  const endpoints = new PrivateRekognitionEndpoint(
    `${env}-endpoints`,
    {
      region: config.region,
      vpcId: network.vpcId,
      subnetIds: network.subnetIds,
      vpcCidr: network.vpcCidr,
      availabilityZones: networkPlan.availabilityZones,
      allowedCidrs: network.allowedCidrs,
      allowedSecurityGroupIds: network.allowedSecurityGroupIds,
      fips: network.fips,
      rekognitionPolicy: access.rekognitionEndpointPolicy,
      ...(access.stsEndpointPolicy ? { stsPolicy: access.stsEndpointPolicy } : {}),
      ssmPolicy: network.ssmEndpoint ? ssmEndpointPolicy({ parameterArns: ownParameterArns, consumerAccountId: config.accountId }) : undefined,
      adoptedEndpoints: networkPlan.adoptedEndpoints,
      computeEndpoints: networkPlan.computeEndpoints,
      tags,
    },
    { provider },
  );

  const application = new ApplicationAccess(
    `${env}-app`,
    {
      environment: env,
      roleName: config.application.existingRoleName === undefined ? (config.application.roleName ?? defaultApplicationRoleName(env)) : undefined,
      existingRoleName: config.application.existingRoleName,
      path: MODELSHARE_ROLE_PATH,
      trustPolicy: applicationTrustPolicy({ services: config.application.trustedServices }),
      policy: access.applicationPolicy,
      tags,
    },
    { provider },
  );

  for (const check of deployTrust) new CheckedRoleTrust(`${env}-trust-deploy-role`, check);
  const smokeTest = smokeTestResources(config, { sharedRoleArn: access.sharedRoleArn, smokeTestPolicy: access.smokeTestPolicy, ml, endpoints, provider, tags });

  const copy = config.copy;
  const copyDestination =
    access.sharedRoleArn === undefined && copy !== undefined
      ? new CopyDestination(
          `${env}-copy`,
          {
            environment: env,
            projectName: copy.projectName,
            outputBucketName: copy.outputBucketName,
            bucketPolicy: outputBucketPolicy({ partition: config.partition, bucketName: copy.outputBucketName }),
            ...(copy.createKmsKey ? { createKeyPolicy: copyKeyPolicy({ partition: config.partition, accountId: config.accountId }) } : {}),
            ...(copy.kmsKeyArn !== undefined ? { kmsKeyArn: copy.kmsKeyArn } : {}),
            tags,
          },
          { provider },
        )
      : undefined;

  const store = new ConfigurationStore(
    `${env}-config`,
    { environment: env, modelVersionArn: access.calledVersionArn, ...(access.sharedRoleArn ? { sharedRoleArn: access.sharedRoleArn } : {}), region: ml.region, useFipsEndpoint: network.fips, tags },
    { provider },
  );

  return {
    environment: env,
    accountId: config.accountId,
    modelVersionArn: config.modelVersionArn,
    ...(access.sharedRoleArn ? { sharedRoleArn: access.sharedRoleArn } : {}),
    sharing: access.sharedRoleArn ? "share" : "copy",
    ...(copyDestination ? { [CONSUMER_OUTPUTS.copy]: { projectArn: copyDestination.projectArn, outputBucketName: copyDestination.bucketName, outputPrefix: config.copy!.outputPrefix, ...(copyDestination.kmsKeyArn ? { kmsKeyArn: copyDestination.kmsKeyArn } : {}), calledVersionArn: access.calledVersionArn, versions: config.copy!.versions } } : {}),
    applicationRoleArn: application.roleArn ?? applicationRoleArn(config),
    parameterNames: store.parameterNames,
    optionalParameterNames: store.optionalParameterNames,
    vpcId: endpoints.vpcId,
    vpcEndpointIds: pulumi.all({
      ...(endpoints.rekognitionEndpointId ? { rekognition: endpoints.rekognitionEndpointId } : {}),
      ...(endpoints.stsEndpointId ? { sts: endpoints.stsEndpointId } : {}),
      ...(endpoints.ssmEndpointId ? { ssm: endpoints.ssmEndpointId } : {}),
    }),
    adoptedEndpoints: networkPlan.adoptedEndpoints.map((a) => a.key),
    computeEndpointIds: endpoints.computeEndpointIds,
    endpointDnsNames: endpoints.dnsNames,
    ...(smokeTest?.functionArn ? { [CONSUMER_OUTPUTS.smokeTestFunctionArn]: smokeTest.functionArn } : {}),
  };
}

/**
 * The smoke-test role (the shared role trusts it by name, so the stack owns it, under the path the guardrail
 * protects) and, with smokeTest.runner "function", the function that runs as it in the endpoints' subnets.
 */
function smokeTestResources(
  config: ConsumerConfig,
  context: { sharedRoleArn?: string; smokeTestPolicy: PolicyDocument; ml: MlStackOutputs; endpoints: PrivateRekognitionEndpoint; provider: pulumi.ProviderResource; tags: Record<string, string> },
): { functionArn?: pulumi.Output<string> } | undefined {
  const smoke = config.smokeTest;
  const smokeRole = smoke?.createRole ? parseRoleArn(smoke.principalRoleArn) : undefined;
  if (smoke === undefined || smokeRole === undefined || typeof smokeRole !== "object") return undefined;
  const env = config.environment;
  const { ml, provider, tags } = context;
  const inFunction = smoke.runner === "function";
  const functionArn = smokeTestFunctionArn(config.partition, config.region, config.accountId, env);
  const role = new SmokeTestRole(
    `${env}-smoke-test`,
    {
      environment: env,
      roleName: smokeRole.roleName,
      path: MODELSHARE_ROLE_PATH,
      trustPolicy: inFunction
        ? smokeTestFunctionTrustPolicy({ accountId: config.accountId, functionArn })
        : smokeTestTrustPolicy({ partition: config.partition, mlAccountId: ml.mlAccountId, pipelineRoleArn: ml.pipelineRoleArn, organizationId: ml.organizationId }),
      policy: context.smokeTestPolicy,
      managedPolicyArns: inFunction ? [lambdaVpcAccessPolicyArn(config.partition)] : [],
      tags,
    },
    { provider },
  );
  if (!inFunction) return {};
  const fn = new SmokeTestFunction(
    `${env}-smoke-test`,
    {
      environment: env,
      functionName: smokeTestFunctionName(env),
      roleArn: role.roleArn,
      roleReady: role.ready,
      vpcId: context.endpoints.vpcId,
      subnetIds: context.endpoints.subnetIds,
      endpointSecurityGroupId: context.endpoints.securityGroupId,
      // Copy mode: none; the function calls the listed copies as the smoke-test role itself (copySmokeTestPolicy).
      ...(context.sharedRoleArn !== undefined ? { sharedRoleArn: context.sharedRoleArn } : {}),
      modelRegion: ml.region,
      useFipsEndpoint: config.network.fips,
      invokePermission: smokeTestInvokePermission({ pipelineRoleArn: ml.pipelineRoleArn, organizationId: ml.organizationId }),
      tags,
    },
    { provider },
  );
  return { functionArn: fn.functionArn };
}
