import { roleArn } from "../arn";
import { applicationRoleArn } from "../config/crossStack";
import { ConsumerConfig, environments, MlConfig } from "../config/schema";
import { ML_COPY_OUTPUTS, promotionLeaseTableName, SHARED_ROLE_PATH, sharedRoleName, smokeTestFunctionName } from "../contract";
import { dynamoTableArn } from "../policies/pipeline";
import { planMl } from "../plan";
import { documentsOf, PolicyJson, TYPES } from "../rules/documents";
import type { SynthesizedResource, SynthesizedStack } from "../synth/run";
import { EKS_POD_IDENTITY_SERVICE, lambdaPermissionPolicy } from "../policies/consumer";
import type { NamedPolicy } from "./simulator";

/**
 * Who and what the access matrix is about, read from the synthesized stacks: every policy document comes from a
 * synthesized resource's inputs (the JSON the provider would receive), never from the builders. The config is
 * used only for intent (who should get what) and for names the program derives from it.
 */

/** A synthesized stack, or anything shaped like one (the tests' hand-made stacks). */
export type StackLike = Pick<SynthesizedStack, "stack" | "config" | "resources" | "outputs">;

export interface SharedRoleView {
  readonly environment: string;
  readonly roleName: string;
  readonly roleArn: string;
  /** The synthesized trust policy, undefined when the role was not synthesized. */
  readonly trustPolicy?: PolicyJson;
  readonly inlinePolicies: readonly NamedPolicy[];
  /** The role's IAM tags: its sessions carry them as aws:PrincipalTag. */
  readonly tags: Readonly<Record<string, string>>;
}

/** A role a consumer stack creates, as synthesized. */
export interface RoleView {
  readonly roleArn: string;
  readonly trustPolicy?: PolicyJson;
  readonly policies: readonly NamedPolicy[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface ScpView {
  readonly name: string;
  readonly document: PolicyJson;
  /** Roots, OUs and accounts it is attached to. */
  readonly targets: readonly string[];
}

export interface EndpointView {
  readonly resourceName: string;
  readonly endpointId: string;
  readonly policy?: PolicyJson;
}

export interface ConsumerView {
  readonly stack: string;
  readonly config: ConsumerConfig;
  readonly environment: string;
  readonly accountId: string;
  readonly applicationRoleArn: string;
  readonly applicationPolicies: readonly NamedPolicy[];
  /** The application role's IAM tags (none for an existing role the stack does not create). */
  readonly applicationTags: Readonly<Record<string, string>>;
  /** The application runs on EKS Pod Identity: its session carries Pod Identity's transitive tags. */
  readonly eksPodIdentity: boolean;
  /** The smoke-test role the stack creates, when it does. */
  readonly smokeTestRole?: RoleView;
  /** The smoke-test function the stack creates (smokeTest.runner "function"), with its synthesized resource policy. */
  readonly smokeTestFunction?: FunctionView;
  readonly vpcId?: string;
  readonly stsEndpoint?: EndpointView;
  readonly rekognitionEndpoint?: EndpointView;
  readonly ssmEndpoint?: EndpointView;
}

/** A Lambda function a consumer stack creates, and the resource policy its lambda.Permission resources make. */
export interface FunctionView {
  readonly functionArn: string;
  readonly resourcePolicy: PolicyJson;
}

/** A copy environment (sharing: copy): what lets it copy, and what must not exist for it. */
export interface CopyEnvironmentView {
  readonly environment: string;
  readonly accountId: string;
  /** The ML project's policy for this environment, as the ML stack exports it (applied by the CLI); none when nothing is granted. */
  readonly projectPolicy?: PolicyJson;
  /**
   * A role the ML stack synthesized under the name a shared role of this environment would have: there must be
   * none (its trust policy is what the matrix asks; an empty trust when there is none).
   */
  readonly strayRoleTrust?: PolicyJson;
  readonly strayRoleArn: string;
}

/** The data-lake grant: the bucket policy that carries it, and the training principal's own policy. */
export interface DataLakeView {
  readonly bucketName: string;
  readonly bucketAccountId: string;
  /** Merge mode: the synthesized bucket policy; statements mode: the statements the owner adds, as a policy. */
  readonly bucketPolicy: PolicyJson;
  /** The identity policy the ML account's administrator gives the training principal (the stack's output). */
  readonly trainingPrincipalPolicy?: PolicyJson;
}

/** The detective controls the ML stack synthesized (src/detective), as the matrix asks about them. */
export interface DetectiveView {
  /** The organization's analyzer, in the management or delegated administrator account. */
  readonly analyzer?: { readonly arn: string; readonly accountId: string; readonly archiveRuleArn: string; readonly adminRoleArn?: string };
  readonly unusedAnalyzer?: { readonly arn: string; readonly archiveRuleArn: string };
  /** The Config rule (its ARN carries an id AWS assigns: a stand-in) and its tags. */
  readonly configRule?: { readonly arn: string; readonly tags: Readonly<Record<string, string>> };
  /** A recorder modelshare created (an existing one is not modelshare's to protect). */
  readonly recorder?: { readonly arn: string };
  /** The model's alarms (a few per granted version: bounded by the versions, not the environments). */
  readonly alarms: readonly { readonly arn: string; readonly name: string }[];
}

export interface Topology {
  readonly mlStack: string;
  readonly ml: MlConfig;
  /** The project's ARN as the ML stack exports it (its timestamp comes from AWS when the stack creates it). */
  readonly projectArn: string;
  readonly sharedRoles: ReadonlyMap<string, SharedRoleView>;
  readonly scps: readonly ScpView[];
  /** Names of the guardrail SCPs the config intends (planMl), present or not in the synthesized stacks. */
  readonly mlGuardrailName?: string;
  readonly consumerGuardrailName?: string;
  /** Where the config intends each guardrail to be attached (planMl's targets). */
  readonly mlGuardrailTargets: readonly string[];
  readonly consumerGuardrailTargets: readonly string[];
  /** Every model version the config knows, sorted. */
  readonly modelVersionArns: readonly string[];
  readonly consumers: ReadonlyMap<string, ConsumerView>;
  /** Consumer stacks whose environment the ML config does not define, and similar gaps, for the summary. */
  readonly notes: readonly string[];
  /** The data-lake grant, when the ML stack has one. */
  readonly dataLake?: DataLakeView;
  /** The promotion lease table's ARN (every ML stack creates it). */
  readonly leaseTableArn: string;
  readonly detective: DetectiveView;
  /** Copy environments by name (none: every environment shares). */
  readonly copyEnvironments: ReadonlyMap<string, CopyEnvironmentView>;
}

function document(resource: SynthesizedResource, kind?: string): PolicyJson | undefined {
  return documentsOf(resource).find((d) => d.document && (kind === undefined || d.kind === kind))?.document;
}

function named(resources: readonly SynthesizedResource[]): NamedPolicy[] {
  return resources.flatMap((r) => {
    const policy = document(r);
    return policy ? [{ name: r.name, policy }] : [];
  });
}

function outputRecord(outputs: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = outputs[key];
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

function byType(resources: readonly SynthesizedResource[]): Map<string, SynthesizedResource[]> {
  const index = new Map<string, SynthesizedResource[]>();
  for (const r of resources) index.set(r.type, [...(index.get(r.type) ?? []), r]);
  return index;
}

function endpointView(endpoints: readonly SynthesizedResource[], service: RegExp, endpointId: unknown): EndpointView | undefined {
  const endpoint = endpoints.find((e) => service.test(String(e.inputs.serviceName ?? "")));
  if (!endpoint) return undefined;
  return { resourceName: endpoint.name, endpointId: typeof endpointId === "string" ? endpointId : `(id of ${endpoint.name})`, policy: document(endpoint) };
}

function tagsOf(resource: SynthesizedResource | undefined): Record<string, string> {
  const tags = resource?.inputs.tags;
  if (!tags || typeof tags !== "object") return {};
  return Object.fromEntries(Object.entries(tags as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/** The role of that name a stack synthesized, its trust, inline policies and tags. */
function roleView(resources: Map<string, SynthesizedResource[]>, roleArn: string): RoleView | undefined {
  const name = roleNameOf(roleArn);
  const role = (resources.get(TYPES.role) ?? []).find((r) => r.inputs.name === name);
  if (!role) return undefined;
  return { roleArn, trustPolicy: document(role, "trust"), policies: named((resources.get(TYPES.rolePolicy) ?? []).filter((p) => p.inputs.role === name)), tags: tagsOf(role) };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The function of that name a stack synthesized, with the statements Lambda builds from its permissions. */
function functionView(resources: Map<string, SynthesizedResource[]>, config: ConsumerConfig, name: string): FunctionView | undefined {
  if (!(resources.get(TYPES.lambdaFunction) ?? []).some((r) => r.inputs.name === name)) return undefined;
  const functionArn = `arn:${config.partition}:lambda:${config.region}:${config.accountId}:function:${name}`;
  const permissions = (resources.get(TYPES.lambdaPermission) ?? []).filter((p) => p.inputs.function === name);
  const statements = permissions.flatMap((p) => lambdaPermissionPolicy(functionArn, p.inputs).Statement);
  return { functionArn, resourcePolicy: { Version: "2012-10-17", Statement: statements } as PolicyJson };
}

function consumerView(stack: StackLike, config: ConsumerConfig): ConsumerView {
  const resources = byType(stack.resources);
  const appRoleArn = typeof stack.outputs.applicationRoleArn === "string" ? stack.outputs.applicationRoleArn : applicationRoleArn(config);
  const appRoleName = roleNameOf(appRoleArn);
  const endpointIds = outputRecord(stack.outputs, "vpcEndpointIds");
  const endpoints = resources.get(TYPES.vpcEndpoint) ?? [];
  const smokeTestArn = config.smokeTest?.createRole ? config.smokeTest.principalRoleArn : undefined;
  const smokeTestRole = smokeTestArn !== undefined ? roleView(resources, smokeTestArn) : undefined;
  return {
    stack: stack.stack,
    config,
    environment: config.environment,
    accountId: config.accountId,
    applicationRoleArn: appRoleArn,
    applicationPolicies: named((resources.get(TYPES.rolePolicy) ?? []).filter((p) => p.inputs.role === appRoleName)),
    applicationTags: tagsOf((resources.get(TYPES.role) ?? []).find((r) => r.inputs.name === appRoleName)),
    eksPodIdentity: config.application.trustedServices.includes(EKS_POD_IDENTITY_SERVICE),
    ...(smokeTestRole ? { smokeTestRole } : {}),
    ...optional("smokeTestFunction", functionView(resources, config, smokeTestFunctionName(config.environment))),
    vpcId: typeof stack.outputs.vpcId === "string" ? stack.outputs.vpcId : undefined,
    stsEndpoint: endpointView(endpoints, /\.sts$/, endpointIds.sts),
    rekognitionEndpoint: endpointView(endpoints, /\.rekognition(-fips)?$/, endpointIds.rekognition),
    ssmEndpoint: endpointView(endpoints, /\.ssm$/, endpointIds.ssm),
  };
}

/** The data-lake grant from the ML stack: its bucket policy resource (merge mode) or its `dataLake` output. */
function dataLakeView(mlStack: StackLike): DataLakeView | undefined {
  const grant = mlStack.outputs.dataLake as { bucketName?: string; bucketAccountId?: string; statements?: unknown; trainingPrincipalPolicy?: PolicyJson } | undefined;
  if (!grant?.bucketName || !grant.bucketAccountId) return undefined;
  const resource = mlStack.resources.find((r) => r.type === TYPES.bucketPolicy && r.inputs.bucket === grant.bucketName);
  const bucketPolicy = resource ? document(resource, "bucket") : ({ Version: "2012-10-17", Statement: grant.statements } as PolicyJson);
  if (!bucketPolicy) return undefined;
  return { bucketName: grant.bucketName, bucketAccountId: grant.bucketAccountId, bucketPolicy, trainingPrincipalPolicy: grant.trainingPrincipalPolicy };
}

function arnIn(r: SynthesizedResource, partition: string, service: string, resource: string): string {
  return `arn:${partition}:${service}:${r.region ?? ""}:${r.account ?? ""}:${resource}`;
}

/** The detective controls as synthesized: each resource's ARN from its provider's account and region. */
function detectiveView(mlStack: StackLike, ml: MlConfig): DetectiveView {
  const resources = mlStack.resources as readonly SynthesizedResource[];
  const analyzers = resources.filter((r) => r.type === TYPES.analyzer);
  const organization = analyzers.find((r) => r.inputs.type === "ORGANIZATION");
  const unused = analyzers.find((r) => r.inputs.type !== "ORGANIZATION");
  const rule = resources.find((r) => r.type === TYPES.configRule);
  const recorder = resources.find((r) => r.type === TYPES.configRecorder);
  const alarms = resources.filter((r) => r.type === TYPES.metricAlarm).sort((a, b) => String(a.inputs.name).localeCompare(String(b.inputs.name)));
  const view: { -readonly [K in keyof DetectiveView]: DetectiveView[K] } = {
    alarms: alarms.map((alarm) => ({ arn: arnIn(alarm, ml.partition, "cloudwatch", `alarm:${String(alarm.inputs.name)}`), name: String(alarm.inputs.name) })),
  };
  if (organization) {
    const arn = arnIn(organization, ml.partition, "access-analyzer", `analyzer/${String(organization.inputs.analyzerName)}`);
    view.analyzer = { arn, accountId: organization.account ?? "", archiveRuleArn: `${arn}/archive-rule/modelshare-matrix`, ...(ml.detective.accessAnalyzer.roleArn ? { adminRoleArn: ml.detective.accessAnalyzer.roleArn } : {}) };
  }
  if (unused) {
    const arn = arnIn(unused, ml.partition, "access-analyzer", `analyzer/${String(unused.inputs.analyzerName)}`);
    view.unusedAnalyzer = { arn, archiveRuleArn: `${arn}/archive-rule/modelshare-matrix` };
  }
  if (rule) view.configRule = { arn: arnIn(rule, ml.partition, "config", "config-rule/config-rule-m4tr1x"), tags: tagsOf(rule) };
  if (recorder) view.recorder = { arn: arnIn(recorder, ml.partition, "config", `configuration-recorder/${String(recorder.inputs.name ?? "default")}/m4tr1x`) };
  return view;
}

/** Reads the topology of the first ML stack and the consumer stacks that belong to it. */
export function topologyOf(stacks: readonly StackLike[]): Topology {
  const mlStack = stacks.find((s) => s.config.stackKind === "ml");
  if (!mlStack) throw new Error("the access matrix needs the ML stack: the config directory holds no Pulumi.<stack>.yaml with modelshare:stackKind ml");
  const ml = mlStack.config as MlConfig;
  const resources = byType(mlStack.resources);
  const roleArns = outputRecord(mlStack.outputs, "sharedRoleArns");
  const rolePolicies = resources.get(TYPES.rolePolicy) ?? [];

  const sharedRoles = new Map<string, SharedRoleView>();
  // A copy environment has no shared role: its rows are the copy category's (categories/copy.ts).
  for (const environment of environments(ml).filter((env) => ml.consumers[env].sharing === "share")) {
    const roleName = sharedRoleName(ml.rolePrefix, environment);
    const role = (resources.get(TYPES.role) ?? []).find((r) => r.inputs.name === roleName);
    const arn = roleArns[environment];
    sharedRoles.set(environment, {
      environment,
      roleName,
      roleArn: typeof arn === "string" ? arn : roleArn(ml.partition, ml.mlAccountId, SHARED_ROLE_PATH, roleName),
      trustPolicy: role ? document(role, "trust") : undefined,
      inlinePolicies: named(rolePolicies.filter((p) => p.inputs.role === roleName)),
      tags: tagsOf(role),
    });
  }

  // A GuardrailSCP's policy and its attachments share a parent; the policy id is a provider-assigned value.
  const attachments = resources.get(TYPES.policyAttachment) ?? [];
  const scps: ScpView[] = (resources.get(TYPES.organizationsPolicy) ?? []).flatMap((policy) => {
    const scp = document(policy, "scp");
    if (!scp) return [];
    const targets = attachments.filter((a) => a.parent !== null && a.parent === policy.parent).map((a) => String(a.inputs.targetId));
    return [{ name: typeof policy.inputs.name === "string" ? policy.inputs.name : policy.name, document: scp, targets }];
  });

  const plannedScps = planMl(ml).scps;
  const notes: string[] = [];
  const consumers = new Map<string, ConsumerView>();
  for (const stack of stacks) {
    if (stack.config.stackKind !== "consumer") continue;
    const config = stack.config as ConsumerConfig;
    if (!Object.hasOwn(ml.consumers, config.environment)) {
      notes.push(`stack ${stack.stack}: environment ${config.environment} is not defined in ${mlStack.stack}'s modelshare:consumers; left out of the matrix`);
      continue;
    }
    consumers.set(config.environment, consumerView(stack, config));
  }
  for (const environment of sharedRoles.keys()) {
    if (!consumers.has(environment)) {
      notes.push(`environment ${environment} has no consumer stack in the config directory: its application-role and endpoint rows are left out`);
    }
  }
  const detective = detectiveView(mlStack, ml);
  const management = ml.guardrail.managementRoleArn?.split(":")[4];
  if (detective.analyzer && detective.analyzer.accountId === management) {
    notes.push(`the access analyzer is in the management account ${management}, which SCPs never restrict: who may change it there is that account's IAM (no detective rows for it; a delegated administrator account is protected by the ML guardrail)`);
  }
  const versions = new Set(ml.model.versions);
  Object.values(ml.consumers).forEach((c) => c.grantedVersions.forEach((v) => versions.add(v)));
  // planMl names the guardrails <rolePrefix>-ml-guardrail and <rolePrefix>-consumer-guardrail; asking the plan keeps
  // the matrix's expectations tied to what the config intends, whether or not the SCPs were synthesized.
  const mlGuardrail = plannedScps.find((s) => s.name.endsWith("-ml-guardrail"));
  const consumerGuardrail = plannedScps.find((s) => s.name.endsWith("-consumer-guardrail"));
  const exportedProject = mlStack.outputs.projectArn;
  return {
    mlStack: mlStack.stack,
    ml,
    projectArn: typeof exportedProject === "string" ? exportedProject : (ml.model.projectArn ?? `arn:${ml.partition}:rekognition:${ml.region}:${ml.mlAccountId}:project/${ml.model.createProjectName}/1700000000000`),
    sharedRoles,
    scps,
    mlGuardrailName: mlGuardrail?.name,
    consumerGuardrailName: consumerGuardrail?.name,
    mlGuardrailTargets: mlGuardrail?.targetIds ?? [],
    consumerGuardrailTargets: consumerGuardrail?.targetIds ?? [],
    modelVersionArns: [...versions].sort(),
    consumers,
    notes,
    dataLake: dataLakeView(mlStack),
    leaseTableArn: dynamoTableArn(ml.partition, ml.region, ml.mlAccountId, promotionLeaseTableName(ml.rolePrefix)),
    detective,
    copyEnvironments: copyEnvironmentViews(mlStack, ml, resources),
  };
}

function copyEnvironmentViews(mlStack: StackLike, ml: MlConfig, resources: Map<string, SynthesizedResource[]>): Map<string, CopyEnvironmentView> {
  const policies = outputRecord(mlStack.outputs, ML_COPY_OUTPUTS.projectPolicies);
  const views = new Map<string, CopyEnvironmentView>();
  for (const environment of environments(ml).filter((env) => ml.consumers[env].sharing === "copy")) {
    const roleName = sharedRoleName(ml.rolePrefix, environment);
    const stray = (resources.get(TYPES.role) ?? []).find((r) => r.inputs.name === roleName);
    const exported = policies[environment] as { document?: PolicyJson | null } | undefined;
    views.set(environment, {
      environment,
      accountId: ml.consumers[environment].accountId,
      ...(exported?.document ? { projectPolicy: exported.document } : {}),
      ...(stray ? { strayRoleTrust: document(stray, "trust") ?? {} } : {}),
      strayRoleArn: roleArn(ml.partition, ml.mlAccountId, SHARED_ROLE_PATH, roleName),
    });
  }
  return views;
}
