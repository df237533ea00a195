import { TrustCheck, trustProblems } from "../policies/roleTrust";
import type { Rule } from "./types";

/** The record the stacks register for each trust they read and accepted (components/CheckedRoleTrust.ts). */
export const CHECKED_ROLE_TRUST_TYPE = "modelshare:index:CheckedRoleTrust";

/**
 * The exempt roles (pipeline, break-glass, IAM admins) and the consumer deploy roles admit only exact principals: no
 * whole account, no service, and for the ML exempt roles no principal of a consumer account. The stacks refuse such
 * a trust at deploy time; this rule judges the same record in synth and in the CrossGuard pack.
 */
export const exemptRoleTrust: Rule = {
  id: "exempt-role-trust",
  message: "The roles the guardrails exempt, and the consumer deploy roles, trust only exact principals: no account root or * without an exact aws:PrincipalArn, no service principal, and for the ML exempt roles (the pipeline first) no principal of a consumer account.",
  reason:
    "A guardrail exemption by aws:PrincipalArn is only as narrow as the role's trust. If the pipeline role trusted a " +
    "consumer-account principal, an administrator of that account could hold a pipeline session, which the ML " +
    "guardrail exempts, and from QA reach prod (security review H1, L3).",
  checkResource(resource) {
    if (resource.type !== CHECKED_ROLE_TRUST_TYPE) return [];
    const i = resource.inputs;
    const check: TrustCheck = {
      roleArn: String(i.roleArn),
      what: String(i.what ?? "a role"),
      trustPolicy: typeof i.trustPolicy === "string" ? i.trustPolicy : undefined,
      forbiddenAccounts: Array.isArray(i.forbiddenAccounts) ? (i.forbiddenAccounts as TrustCheck["forbiddenAccounts"]) : [],
    };
    return trustProblems(check);
  },
};
