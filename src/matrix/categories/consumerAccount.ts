import { historyParameterName, parameterName } from "../../contract";
import { policyDocument } from "../../policies/document";
import { PARAMETER_PROTECTED_ACTIONS } from "../../policies/guardrail";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn } from "../callers";
import { Caller, EndpointPath, endpointPath, matrixCase, roleCaller } from "../requests";
import { neighboursOf, policyShape, representatives } from "../selection";
import type { ConsumerView, Topology } from "../topology";
import { applicationCaller, consumerGuardrail, guardedBy } from "./common";

/** What another workload of the account holds: SSM everywhere (its own parameters), nothing of modelshare's. */
const OTHER_WORKLOAD_SSM = { name: "other-workload-ssm", policy: policyDocument([{ Effect: "Allow", Action: "ssm:*", Resource: "*" }]) };

const actionName = (action: string) => action.split(":")[1];

function parameterArn(topology: Topology, consumer: ConsumerView, name: string): string {
  return `arn:${topology.ml.partition}:ssm:${topology.ml.region}:${consumer.accountId}:parameter${name}`;
}

function ssmPath(consumer: ConsumerView): EndpointPath | undefined {
  return consumer.ssmEndpoint ? endpointPath(consumer.ssmEndpoint, consumer.accountId, consumer.vpcId) : undefined;
}

/**
 * A consumer account from inside: the application may read its own /modelshare/<env>/ parameters (through the SSM
 * endpoint or not) and nothing else, and may assume nothing but its shared role; another workload of the account may
 * use SSM for itself but not through modelshare's endpoint; nobody but the deploy roles may write, delete, label, tag
 * or share the /modelshare/ parameters (what the applications call, and the history a rollback restarts from). Rows
 * that name no environment-specific ARN run once per shape of the application and endpoint policies.
 */
export function consumerAccountCases(topology: Topology): MatrixCase[] {
  const consumers = [...topology.consumers.values()].sort((a, b) => a.environment.localeCompare(b.environment));
  const shapeOf = (c: ConsumerView) => policyShape([...c.applicationPolicies, { name: "ssm-endpoint", policy: c.ssmEndpoint?.policy ?? {} }]);
  const full = new Set(representatives(consumers, shapeOf).map((c) => c.environment));
  const environments = consumers.map((c) => c.environment);
  return consumers.flatMap((consumer) => environmentCases(topology, consumer, full.has(consumer.environment), neighboursOf(environments, consumer.environment, 1)[0]));
}

function environmentCases(topology: Topology, consumer: ConsumerView, full: boolean, neighbour: string | undefined): MatrixCase[] {
  const env = consumer.environment;
  const account = consumer.accountId;
  const scp = consumerGuardrail(topology);
  const cases: MatrixCase[] = [];
  const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }, endpoint?: EndpointPath, resourcePolicy?: { policy: unknown; label: string }) =>
    cases.push(matrixCase(topology, { category: "consumer-account", kind, scenario: `${env}: ${scenario}`, caller, action, resource, resourceAccount: account, ...intent, ...(endpoint ? { endpoint } : {}), ...(resourcePolicy ? { resourcePolicy } : {}) }));
  const app = applicationCaller(topology, consumer);
  const ssm = ssmPath(consumer);
  const own = parameterArn(topology, consumer, parameterName(env, "modelVersionArn"));
  const history = parameterArn(topology, consumer, historyParameterName(env));
  const otherTeams = parameterArn(topology, consumer, "/payments/database-password");

  ask("application-read-own", "application -> GetParameter on its model-version-arn parameter", app, "ssm:GetParameter", own, { expected: "Allowed" });
  if (ssm) ask("application-read-own", "application -> GetParameter on its model-version-arn parameter, through the SSM endpoint", app, "ssm:GetParameter", own, { expected: "Allowed" }, ssm);
  if (neighbour !== undefined && neighbour !== env) {
    // Another environment's prefix in this account (a config that points at it, or a parameter planted there).
    const foreign = parameterArn(topology, consumer, parameterName(neighbour, "modelVersionArn"));
    ask("application-read-other-environment", `application -> GetParameter on ${neighbour}'s model-version-arn name`, app, "ssm:GetParameter", foreign, { expected: "Denied" });
  }
  ask("deploy-write-history", "administrator -> PutParameter on the promotion history (the record a rollback restarts from)", administrator(topology, account), "ssm:PutParameter", history, guardedBy(scp));
  const deployRole = deployRoleOf(topology, consumer);
  if (deployRole && scp !== undefined) ask("deploy-write-history", "deploy role -> PutParameter on the promotion history (what it is for)", roleCaller(topology, deployRole, "consumer", [ADMINISTRATOR]), "ssm:PutParameter", history, { expected: "Allowed" });
  if (!full) return cases;

  ask("application-read-other-workload", "application -> GetParameter on another workload's parameter", app, "ssm:GetParameter", otherTeams, { expected: "Denied" });
  ask("application-write-own", "application -> PutParameter on its model-version-arn parameter", app, "ssm:PutParameter", own, { expected: "Denied" });
  const sameAccountRole = roleArnIn(topology, account, "account-admin-access");
  ask(
    "application-assume-other-role",
    "application -> AssumeRole on a role of its own account that trusts the account root (not through the STS endpoint)",
    app,
    "sts:AssumeRole",
    sameAccountRole,
    { expected: "Denied" },
    undefined,
    { policy: policyDocument([{ Effect: "Allow", Principal: { AWS: `arn:${topology.ml.partition}:iam::${account}:root` }, Action: "sts:AssumeRole" }]), label: "trust policy of a role that trusts its account root" },
  );
  const workload = roleCaller(topology, roleArnIn(topology, account, "other-workload"), "consumer", [OTHER_WORKLOAD_SSM]);
  ask("other-workload-read-own", "another workload -> GetParameter on its own parameter (not through modelshare's SSM endpoint)", workload, "ssm:GetParameter", otherTeams, { expected: "Allowed" });
  if (ssm) {
    ask("other-workload-through-endpoint", "another workload -> GetParameter on its own parameter, through modelshare's SSM endpoint (it admits only this environment's parameters)", workload, "ssm:GetParameter", otherTeams, { expected: "Denied" }, ssm);
    ask("other-workload-through-endpoint", "another workload -> PutParameter on its own parameter, through modelshare's SSM endpoint", workload, "ssm:PutParameter", otherTeams, { expected: "Denied" }, ssm);
    ask("other-workload-through-endpoint", "another workload -> GetParameter on the environment's parameters, through the SSM endpoint (readable in the account)", workload, "ssm:GetParameter", own, { expected: "Allowed" }, ssm);
  }
  ask("other-workload-write", "another workload -> PutParameter on the model-version-arn parameter", workload, "ssm:PutParameter", own, guardedBy(scp));
  const admin = administrator(topology, account);
  for (const action of PARAMETER_PROTECTED_ACTIONS) {
    ask("administrator-parameters", `administrator -> ${actionName(action)} on the model-version-arn parameter`, admin, action, own, guardedBy(scp));
  }
  ask("administrator-parameters", "administrator -> DeleteParameter on the promotion history", admin, "ssm:DeleteParameter", history, guardedBy(scp));
  ask("administrator-read", "administrator -> GetParameterHistory on the promotion history (reading stays open)", admin, "ssm:GetParameterHistory", history, { expected: "Allowed" });
  return cases;
}

function administrator(topology: Topology, account: string): Caller {
  return roleCaller(topology, roleArnIn(topology, account, "administrator"), "consumer", [ADMINISTRATOR]);
}

/** The role that deploys this consumer stack: its deployRoleArn, else the first name the guardrail exempts. */
export function deployRoleOf(topology: Topology, consumer: ConsumerView): string | undefined {
  const name = topology.ml.guardrail.consumerDeployRoleNames[0];
  return consumer.config.deployRoleArn ?? (name !== undefined ? roleArnIn(topology, consumer.accountId, name) : undefined);
}
