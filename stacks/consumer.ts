import * as pulumi from "@pulumi/pulumi";
import { ApplicationAccess } from "../components/ApplicationAccess";
import { CheckedRoleTrust } from "../components/CheckedRoleTrust";
import { ConfigurationStore } from "../components/ConfigurationStore";
import { PrivateRekognitionEndpoint } from "../components/PrivateRekognitionEndpoint";
import { SmokeTestFunction } from "../components/SmokeTestFunction";
import { SmokeTestRole } from "../components/SmokeTestRole";
import { parseRoleArn } from "../src/arn";
import { applicationRoleArn, crossCheckWithMl, defaultApplicationRoleName, MlStackOutputs, outputDetailsValue, readMlOutputs } from "../src/config/crossStack";
import { ConfigError } from "../src/config/problems";
import { ConsumerConfig, NAMESPACE } from "../src/config/schema";
import { CONSUMER_OUTPUTS, MODELSHARE_ROLE_PATH, OPTIONAL_PARAMETER_NAMES, smokeTestFunctionArn, smokeTestFunctionName, OptionalParameterKey, optionalParameterName, parameterName, PARAMETER_NAMES, ParameterKey, standardTags } from "../src/contract";
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
  const sharedRoleArn = ml.sharedRoleArns[env];
  const granted = ml.grantedVersions[env];
  const ownParameterArns = parameterArns(config);
  // On EKS Pod Identity the application's session carries transitive tags: its chained AssumeRole needs TagSession.
  const tagSession = config.application.trustedServices.includes(EKS_POD_IDENTITY_SERVICE);
  const appPolicy = applicationPolicy({ sharedRoleArn, parameterArns: ownParameterArns, tagSession });
  const overBudget = checkInlineBudget(`application role of "${env}": inline policies together`, [appPolicy], config.quotas);
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
  const networkPlan = await planNetwork(config, sharedRoleArn, provider);
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
      rekognitionPolicy: rekognitionEndpointPolicy({ sharedRoleArn, grantedVersionArns: granted }),
      stsPolicy: stsEndpointPolicy({ sharedRoleArn, consumerAccountId: config.accountId, tagSession }),
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
      policy: appPolicy,
      tags,
    },
    { provider },
  );

  for (const check of deployTrust) new CheckedRoleTrust(`${env}-trust-deploy-role`, check);
  const smokeTest = smokeTestResources(config, { sharedRoleArn, ml, endpoints, provider, tags });

  const store = new ConfigurationStore(
    `${env}-config`,
    { environment: env, modelVersionArn: config.modelVersionArn, sharedRoleArn, region: ml.region, useFipsEndpoint: network.fips, tags },
    { provider },
  );

  return {
    environment: env,
    accountId: config.accountId,
    modelVersionArn: config.modelVersionArn,
    sharedRoleArn,
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
  context: { sharedRoleArn: string; ml: MlStackOutputs; endpoints: PrivateRekognitionEndpoint; provider: pulumi.ProviderResource; tags: Record<string, string> },
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
      policy: smokeTestPolicy({ sharedRoleArn: context.sharedRoleArn }),
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
      sharedRoleArn: context.sharedRoleArn,
      modelRegion: ml.region,
      useFipsEndpoint: config.network.fips,
      invokePermission: smokeTestInvokePermission({ pipelineRoleArn: ml.pipelineRoleArn, organizationId: ml.organizationId }),
      tags,
    },
    { provider },
  );
  return { functionArn: fn.functionArn };
}
