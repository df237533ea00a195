import { own } from "./lists";
import { parseProjectArn, parseProjectVersionArn, parseRoleArn } from "../arn";
import { ML_COPY_OUTPUTS, ML_OUTPUTS, MODELSHARE_ROLE_PATH, PER_ENVIRONMENT_ML_OUTPUTS } from "../contract";
import { ConfigProblem } from "./problems";
import { ConsumerConfig, NAMESPACE } from "./schema";
import { SharingMode } from "./copy";
import { sharingModeProblems } from "./projectChecks";

/** What a consumer stack reads from the ML stack. */
export interface MlStackOutputs {
  readonly mlAccountId: string;
  readonly region: string;
  readonly organizationId: string;
  readonly projectArn: string;
  readonly sharedRoleArns: Record<string, string>;
  readonly grantedVersions: Record<string, string[]>;
  readonly trustedPrincipalArns: Record<string, string[]>;
  readonly privateOnly: Record<string, boolean>;
  readonly eksPodIdentity: Record<string, boolean>;
  readonly pipelineRoleArn: string;
  readonly consumerGuardrail: { readonly enabled: boolean; readonly deployRoleNames: readonly string[] };
  /** environment -> share | copy (ML_COPY_OUTPUTS.sharing; an ML stack deployed before copy mode has none: all share). */
  readonly sharing?: Record<string, SharingMode>;
}

/** The mode of an environment as the ML stack exports it. */
export function sharingOf(ml: Pick<MlStackOutputs, "sharing">, environment: string): SharingMode {
  return own(ml.sharing, environment) ?? "share";
}

/**
 * The application role ARN a consumer stack will create or use (names are ours, so it is known up front). A role
 * the stack creates lives under /modelshare/, where the consumer guardrail protects it; an existing role keeps its
 * own (root) path.
 */
export function applicationRoleArn(config: ConsumerConfig): string {
  const existing = config.application.existingRoleName;
  const name = existing ?? config.application.roleName ?? defaultApplicationRoleName(config.environment);
  return `arn:${config.partition}:iam::${config.accountId}:role${existing !== undefined ? "/" : MODELSHARE_ROLE_PATH}${name}`;
}

export function defaultApplicationRoleName(environment: string): string {
  return `modelshare-${environment}-app`;
}

/** Checks a consumer config against what the ML stack exports; every problem names the consumer's key. */
export function crossCheckWithMl(config: ConsumerConfig, ml: MlStackOutputs, mlStackName: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const key = (path: string) => `${NAMESPACE}:${path}`;
  const env = config.environment;
  const mode = sharingOf(ml, env);
  const defined = [...new Set([...Object.keys(ml.sharedRoleArns), ...Object.keys(ml.sharing ?? {})])].sort();
  if (!Object.hasOwn(ml.sharedRoleArns, env) && mode !== "copy") {
    problems.push({
      key: key("environment"),
      value: env,
      message: `the ML stack ${mlStackName} defines no shared role for this environment; it defines: ${defined.join(", ") || "none"} (add modelshare:consumers.${env} to the ML stack's config and deploy it first)`,
    });
    return problems;
  }
  problems.push(...sharingModeProblems(mode, config, ml.region, mlStackName));

  const version = parseProjectVersionArn(config.modelVersionArn);
  const project = parseProjectArn(ml.projectArn);
  if (typeof version === "object") {
    if (version.accountId !== ml.mlAccountId) {
      problems.push({ key: key("modelVersionArn"), value: config.modelVersionArn, message: `is in account ${version.accountId}, but the ML stack's model is in ${ml.mlAccountId}` });
    }
    if (version.region !== ml.region) {
      problems.push({ key: key("modelVersionArn"), value: config.modelVersionArn, message: `is in region ${version.region}, but the ML stack's model is in ${ml.region}` });
    }
    if (typeof project === "object" && version.projectName !== project.projectName) {
      problems.push({ key: key("modelVersionArn"), value: config.modelVersionArn, message: `is a version of project ${version.projectName}, but the shared model is project ${project.projectName}` });
    }
  }
  const granted = own(ml.grantedVersions, env) ?? [];
  if (!granted.includes(config.modelVersionArn)) {
    problems.push({
      key: key("modelVersionArn"),
      value: config.modelVersionArn,
      message: `is not granted to "${env}" by the ML stack; granted: ${granted.join(", ") || "none"} (grant it with modelshare promote, or add it to modelshare:consumers.${env}.grantedVersions and deploy the ML stack)`,
    });
  }
  if (mode === "copy") return [...problems, ...crossCheckOwnedPrincipals(config, ml, mode)];
  const appRoleArn = applicationRoleArn(config);
  const trusted = own(ml.trustedPrincipalArns, env) ?? [];
  if (!trusted.includes(appRoleArn)) {
    problems.push({
      key: key(config.application.existingRoleName !== undefined ? "application.existingRoleName" : "application.roleName"),
      value: appRoleArn,
      message: `this application role is not trusted by the shared role of "${env}"; the ML stack trusts: ${trusted.join(", ") || "none"}`,
    });
  }
  problems.push(...crossCheckPodIdentity(config, ml), ...crossCheckOwnedPrincipals(config, ml, mode));
  return problems;
}

/**
 * Every principal the shared role trusts must be one this stack owns and the consumer guardrail protects: the
 * smoke-test role it creates must be in this account under /modelshare/ and trusted by the ML stack, and with the
 * guardrail on, the stack must deploy as one of the roles it lets change /modelshare/ roles.
 */
function crossCheckOwnedPrincipals(config: ConsumerConfig, ml: MlStackOutputs, mode: SharingMode): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const key = (path: string) => `${NAMESPACE}:${path}`;
  const env = config.environment;
  const smoke = config.smokeTest;
  if (smoke !== undefined && smoke.createRole) {
    const role = parseRoleArn(smoke.principalRoleArn);
    if (typeof role === "object" && (role.accountId !== config.accountId || role.path !== MODELSHARE_ROLE_PATH)) {
      problems.push({
        key: key("smokeTest.principalRoleArn"),
        value: smoke.principalRoleArn,
        message: `must be a role of this account (${config.accountId}) under ${MODELSHARE_ROLE_PATH}, which this stack creates (smokeTest.createRole); or set smokeTest.createRole: false for a role created elsewhere`,
      });
    }
    if (mode === "share" && !(own(ml.trustedPrincipalArns, env) ?? []).includes(smoke.principalRoleArn)) {
      problems.push({
        key: key("smokeTest.principalRoleArn"),
        value: smoke.principalRoleArn,
        message: `is not trusted by the shared role of "${env}"; add it to modelshare:consumers.${env}.applicationPrincipalArns in the ML stack's config`,
      });
    }
  }
  const guardrail = ml.consumerGuardrail;
  if (guardrail.enabled) {
    const deployRole = config.deployRoleArn !== undefined ? parseRoleArn(config.deployRoleArn) : undefined;
    const nameWithPath = typeof deployRole === "object" ? `${deployRole.path.slice(1)}${deployRole.roleName}` : undefined;
    if (nameWithPath === undefined || !guardrail.deployRoleNames.includes(nameWithPath)) {
      problems.push({
        key: key("deployRoleArn"),
        value: config.deployRoleArn,
        message: `${config.deployRoleArn === undefined ? "is not set" : "is not one of the deploy roles"}: the consumer guardrail lets only ${guardrail.deployRoleNames.join(", ") || "(none)"} create or change this stack's roles under ${MODELSHARE_ROLE_PATH}; deploy as one of them, or add its name to modelshare:guardrail.consumerDeployRoleNames in the ML stack's config`,
      });
    }
  }
  return problems;
}

/**
 * The value of a StackReference output, secret or not: `getOutputDetails` puts a secret output in `secretValue` and
 * leaves `value` undefined (Pulumi Node SDK, StackReference.getOutputDetails), so reading only `value` would take a
 * secret output for a missing one.
 */
export function outputDetailsValue(details: { readonly value?: unknown; readonly secretValue?: unknown }): unknown {
  return details.value !== undefined ? details.value : details.secretValue;
}

const EKS_POD_IDENTITY = "pods.eks.amazonaws.com";

/** An application on EKS Pod Identity needs the shared role's trust to allow sts:TagSession (off by default). */
function crossCheckPodIdentity(config: ConsumerConfig, ml: MlStackOutputs): ConfigProblem[] {
  const env = config.environment;
  if (!config.application.trustedServices.includes(EKS_POD_IDENTITY) || own(ml.eksPodIdentity, env) === true) return [];
  return [
    {
      key: `${NAMESPACE}:application.trustedServices`,
      value: config.application.trustedServices,
      message: `includes ${EKS_POD_IDENTITY}, whose sessions carry transitive session tags, but the shared role of "${env}" does not allow sts:TagSession: set modelshare:consumers.${env}.eksPodIdentity: true in the ML stack's config and deploy it first`,
    },
  ];
}

/** Reads the ML stack's outputs through any `name -> value` getter (a StackReference, or a file in synth). */
export async function readMlOutputs(get: (name: string) => Promise<unknown>, mlStackName: string): Promise<MlStackOutputs> {
  const names = Object.values(ML_OUTPUTS);
  const values = await Promise.all(names.map((name) => get(name)));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) {
    throw new Error(`the ML stack ${mlStackName} has no output ${missing.join(", ")}: deploy the ML stack (pulumi up -s ml) before this consumer stack, and check modelshare:mlStack`);
  }
  // Optional: an ML stack deployed before copy mode exports no modes (every environment shares).
  const sharing = ((await get(ML_COPY_OUTPUTS.sharing)) ?? {}) as Record<string, SharingMode>;
  return { ...Object.fromEntries(names.map((name, i) => [name, values[i]])), sharing } as unknown as MlStackOutputs;
}

/**
 * The ML outputs one consumer environment reads: its own entry of each per-environment map. When the ML stack
 * has no entry for the environment, the maps are kept whole so the error can list the environments it defines.
 */
export function mlOutputsFor(environment: string, outputs: Record<string, unknown>): Record<string, unknown> {
  const roles = outputs[ML_OUTPUTS.sharedRoleArns] as Record<string, unknown> | undefined;
  const modes = outputs[ML_COPY_OUTPUTS.sharing] as Record<string, unknown> | undefined;
  const known = (roles && Object.hasOwn(roles, environment)) || (modes && Object.hasOwn(modes, environment));
  if (!known) return outputs;
  const view: Record<string, unknown> = { ...outputs };
  for (const name of [...PER_ENVIRONMENT_ML_OUTPUTS, ...Object.values(ML_COPY_OUTPUTS)]) {
    const map = outputs[name] as Record<string, unknown> | undefined;
    if (map && Object.hasOwn(map, environment)) view[name] = { [environment]: map[environment] };
  }
  return view;
}
