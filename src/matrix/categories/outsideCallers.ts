import { policyDocument } from "../../policies/document";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn, strangerAccounts } from "../callers";
import { Caller, matrixCase, roleCaller } from "../requests";
import { neighboursOf, policyShape, representatives, rolesTrusting } from "../selection";
import type { Topology } from "../topology";
import { applicationCaller, assumeCase, legitimateAssumeExtras, sharedRoles, stsPath } from "./common";

/** `role/modelshare/modelshare-qa-app` -> `modelshare-qa-app`, and its path without slashes. */
function nameAndPath(roleArn: string): { name: string; path: string } {
  const resource = roleArn.split(":")[5].slice("role/".length);
  const at = resource.lastIndexOf("/");
  return { name: resource.slice(at + 1), path: at < 0 ? "" : resource.slice(0, at + 1) };
}

/**
 * Outside callers, each holding AdministratorAccess so that only trust and organization policies can stop it:
 * another workload of the consumer account, its root user, another member account, an account of another
 * organization and of none, an unsigned request, look-alike names, paths and accounts; and the application itself
 * from an account that left the organization or with a wrong or missing external id. Callers from accounts no
 * config names (and unsigned ones) can only be let in by a wildcard, so they are asked once per shape of trust
 * policy (../selection.ts); callers of the environment's own account are asked for every environment.
 */
export function outsideCallerCases(topology: Topology): MatrixCase[] {
  const cases: MatrixCase[] = [];
  const strangers = strangerAccounts(topology);
  const ml = topology.ml;
  const roles = sharedRoles(topology);
  const perShape = new Set(representatives(roles, (role) => policyShape([{ name: "trust", policy: role.trustPolicy ?? {} }])).map((role) => role.environment));
  for (const target of roles) {
    const env = target.environment;
    const config = ml.consumers[env];
    const consumer = topology.consumers.get(env);
    const account = config.accountId;
    const endpoint = stsPath(consumer);
    // The strongest attacker knows everything that is not a secret: the external id and the trusted names.
    const extras = legitimateAssumeExtras(topology, consumer, env);
    const trusted = config.applicationPrincipalArns[0];
    const { name, path } = nameAndPath(trusted);
    const denied = (kind: string, scenario: string, caller: Caller, options: { endpoint?: boolean; externalId?: string | null } = {}) =>
      assumeCase(topology, {
        category: "outside-callers",
        kind,
        scenario: `${scenario} -> ${env}'s shared role`,
        caller,
        target,
        expected: "Denied",
        ...(options.endpoint && endpoint ? { endpoint } : {}),
        ...(options.externalId === null ? {} : options.externalId !== undefined ? { externalId: options.externalId } : extras.externalId !== undefined ? { externalId: extras.externalId } : {}),
      });
    const admin = (roleArn: string, accountClass: "consumer" | "other-member" | "outsider", organizationId?: string | null) =>
      roleCaller(topology, roleArn, accountClass, [ADMINISTRATOR], organizationId !== undefined ? { organizationId } : {});

    cases.push(denied("consumer-other-workload", `another workload in ${env}'s account`, admin(roleArnIn(topology, account, "other-workload"), "consumer"), { endpoint: true }));
    cases.push(denied("ml-administrator", "an ML-account administrator (not exempt)", roleCaller(topology, roleArnIn(topology, ml.mlAccountId, "ml-account-administrator"), "ml", [ADMINISTRATOR])));
    cases.push(denied("consumer-account-root", `${env}'s account root user`, { type: "account-root", account, accountClass: "consumer", organizationId: ml.organizationId, identityPolicies: [ADMINISTRATOR] }));
    if (perShape.has(env)) {
      cases.push(denied("organization-member", "another account of the organization", admin(roleArnIn(topology, strangers.member, "administrator"), "other-member")));
      cases.push(denied("outside-organization", "an account of another organization", admin(roleArnIn(topology, strangers.otherOrganization, "administrator"), "outsider")));
      cases.push(denied("no-organization", "an account in no organization", admin(roleArnIn(topology, strangers.noOrganization, "administrator"), "outsider", null)));
      cases.push(denied("anonymous", "an unsigned (anonymous) request", { type: "anonymous" }));
      cases.push(denied("look-alike-account", `a role of the same path and name in another member account`, admin(roleArnIn(topology, strangers.member, `${path}${name}`), "other-member")));
    }
    cases.push(denied("look-alike-path", `a role named like ${name} under another path in ${env}'s account`, admin(roleArnIn(topology, account, `impostor/${name}`), "consumer"), { endpoint: true }));
    cases.push(denied("look-alike-name", `a role named ${name}-2 in ${env}'s account`, admin(roleArnIn(topology, account, `${path}${name}-2`), "consumer"), { endpoint: true }));
    if (consumer) {
      const app = applicationCaller(topology, consumer);
      const withOrganization = (organizationId: string | null): Caller => (app.type === "role-session" ? roleCaller(topology, app.roleArn, "consumer", app.identityPolicies, { organizationId, ...(app.principalTags ? { principalTags: app.principalTags } : {}) }) : app);
      cases.push(denied("trusted-role-other-organization", `${env}'s application, its account moved to another organization`, withOrganization("o-outside0000"), { endpoint: true }));
      cases.push(denied("trusted-role-no-organization", `${env}'s application, its account out of any organization`, withOrganization(null), { endpoint: true }));
      if (config.externalId !== undefined) {
        cases.push(denied("wrong-external-id", `${env}'s application with a wrong external id`, app, { endpoint: true, externalId: `${config.externalId}-wrong` }));
        cases.push(denied("missing-external-id", `${env}'s application without the external id`, app, { endpoint: true, externalId: null }));
      }
      const smoke = consumer.smokeTestRole;
      if (smoke) {
        cases.push(
          matrixCase(topology, {
            category: "outside-callers",
            kind: "ml-administrator-smoke-test",
            scenario: `an ML-account administrator (not the pipeline) -> ${env}'s smoke-test role`,
            caller: roleCaller(topology, roleArnIn(topology, ml.mlAccountId, "ml-account-administrator"), "ml", [ADMINISTRATOR]),
            action: "sts:AssumeRole",
            resource: smoke.roleArn,
            resourceAccount: consumer.accountId,
            expected: "Denied",
            resourcePolicy: { policy: smoke.trustPolicy ?? policyDocument([]), label: `trust policy of ${smoke.roleArn.split("/").pop()}` },
          }),
        );
      }
    }
  }
  cases.push(...otherConsumerAdministratorCases(topology));
  return cases;
}

/**
 * Each consumer account's administrator against the other environments' shared roles: the accounts the organization
 * trusts most, and the ones a trust opened "to the organization" or to the wrong account would let in. Asked of the
 * neighbours and of every role whose trust names the account (../selection.ts), so the rows stay linear.
 */
function otherConsumerAdministratorCases(topology: Topology): MatrixCase[] {
  const roles = sharedRoles(topology);
  const environments = roles.map((role) => role.environment);
  return Object.keys(topology.ml.consumers)
    .sort()
    .flatMap((env) => {
      const account = topology.ml.consumers[env].accountId;
      const adminArn = roleArnIn(topology, account, "administrator");
      const chosen = new Set([...neighboursOf(environments, env), ...rolesTrusting(adminArn, roles).map((r) => r.environment)]);
      return roles
        .filter((role) => chosen.has(role.environment) && topology.ml.consumers[role.environment]?.accountId !== account)
        .map((target) =>
          assumeCase(topology, {
            category: "outside-callers",
            kind: "other-consumer-administrator",
            scenario: `${env}'s account administrator -> ${target.environment}'s shared role`,
            caller: roleCaller(topology, adminArn, "consumer", [ADMINISTRATOR]),
            target,
            expected: "Denied",
            ...legitimateAssumeExtras(topology, topology.consumers.get(target.environment), target.environment),
          }),
        );
    });
}
