import type { Quotas } from "../config/schema";
import type { IamCatalog } from "./catalog";
import type { CheckedResource } from "./documents";
import type { IntendedAccess } from "../detective/archiveRules";

/**
 * A lint rule over what modelshare deploys (cdk-nag style): an id, what must hold, why, and a pure check. The
 * same rule objects serve `modelshare synth`, the CrossGuard pack in policy/ and the tests.
 */
export interface Rule {
  /** Stable id, printed with every failure and used as the CrossGuard policy name. */
  readonly id: string;
  /** What must hold, as one sentence. */
  readonly message: string;
  /** Why it matters: what goes wrong in AWS when it does not hold. */
  readonly reason: string;
  /** Checks one resource's inputs and parsed documents; returns one detail per problem. */
  readonly checkResource?: (resource: CheckedResource, context: RuleContext) => readonly string[];
  /** Checks what only the whole stack shows (totals over several resources). */
  readonly checkStack?: (stack: StackUnderCheck) => readonly Violation[];
}

/** What the rules compare the resources with. Everything but the quotas and the catalog is optional. */
export interface RuleContext {
  /** The stack's quotas (modelshare:quotas, defaults otherwise). */
  readonly quotas: Quotas;
  readonly catalog: IamCatalog;
  /** The configuration's intent, when the config files are at hand. */
  readonly intent?: DeploymentIntent;
  /** The consumer environment of the stack being checked, when known. */
  readonly environment?: string;
}

/** What the configuration says should be deployed, independent of the generated policies. */
export interface DeploymentIntent {
  readonly organizationId?: string;
  /** Shared roles by role name. */
  readonly sharedRoles: ReadonlyMap<string, SharedRoleIntent>;
  /** Every model version ARN the ML config knows (model.versions and every grant). */
  readonly modelVersionArns: ReadonlySet<string>;
  /** Copy environments (sharing: copy): the copies in their own account each may call, by environment. */
  readonly copiedVersions?: ReadonlyMap<string, readonly string[]>;
  /** Callers admitted to each consumer environment's endpoints, by environment. */
  readonly endpointSources: ReadonlyMap<string, EndpointSources>;
  /** Whether the consumer guardrail is on (modelshare:guardrail.enabled): it protects only roles under /modelshare/. */
  readonly consumerGuardrail?: boolean;
  /** SCPs already attached to organization targets (modelshare:guardrail.existingPoliciesPerTarget). */
  readonly existingPoliciesPerTarget: Readonly<Record<string, number>>;
  /** The detective controls the ML config asks for (src/detective/plan.ts), when it asks for any. */
  readonly detective?: DetectiveIntent;
}

export interface DetectiveIntent {
  /** The ML guardrail is on: it must protect every detective control. */
  readonly guardrail: boolean;
  /** The cross-account access the archive rules may archive (the analyzer is on). */
  readonly intendedAccess?: readonly IntendedAccess[];
  /** Every granted version needs its alarms, notifying this topic (the alarms are on). */
  readonly alarms?: { readonly snsTopicArn: string; readonly rolePrefix: string; readonly grantedVersionArns: readonly string[] };
}

export interface SharedRoleIntent {
  readonly environment: string;
  readonly roleName: string;
  readonly grantedVersionArns: readonly string[];
}

export interface EndpointSources {
  readonly cidrs: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface StackUnderCheck {
  readonly stack: string;
  readonly resources: readonly CheckedResource[];
  readonly context: RuleContext;
}

/** A stack-level problem and the resource it is about (`stack/type::name`). */
export interface Violation {
  readonly resource: string;
  readonly detail: string;
}

/** A failed check as synth reports it. */
export interface Finding {
  readonly ruleId: string;
  /** The CrossGuard policy that reports it: the rule id for resource checks, `<id>-stack` for stack checks. */
  readonly policy?: string;
  readonly resource: string;
  readonly detail: string;
}
