/**
 * Who may assume a role that a guardrail exempts (the ML pipeline, break-glass and IAM-admin roles) or the one
 * principal it lets change protected roles (a consumer stack's deploy role). An exemption by aws:PrincipalArn is only
 * as narrow as the role's trust: a trust that admits a whole account (its root, or `*`) lets every administrator of
 * that account become the exempt role, and a service principal lets any code that service runs for the account
 * (a CodeBuild project, a Lambda function) act as it. Pure: the stacks read the trust at deploy time (iam:GetRole
 * through aws.iam.getRole) and refuse what this reports; the rule exempt-role-trust judges the same record.
 */

/** A role whose trust is checked, and the accounts none of whose principals it may trust. */
export interface TrustCheck {
  readonly roleArn: string;
  /** What the role is, with its config key, for the message (e.g. `the pipeline role (modelshare:pipelineRoleArn)`). */
  readonly what: string;
  /** The trust policy as IAM returns it (JSON, possibly URL-encoded), or undefined when the role does not exist. */
  readonly trustPolicy: string | undefined;
  /** Accounts whose principals the role must never trust, with why (the consumer accounts, for the ML exempt roles). */
  readonly forbiddenAccounts?: readonly { readonly accountId: string; readonly why: string }[];
}

interface TrustStatement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** What is allowed, said once for every message. */
export const TRUST_ALLOWED =
  "allowed: exact role or user ARNs, federated identity providers, or an account root / `*` narrowed by an exact aws:PrincipalArn (ArnEquals or StringEquals, no wildcard); never a service principal (use a PassRole-protected admin role for CodeBuild and the like)";

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function parse(trustPolicy: string): TrustStatement[] | string {
  let text = trustPolicy;
  if (/^%7B/i.test(text)) text = decodeURIComponent(text);
  try {
    const document = JSON.parse(text) as { Statement?: unknown };
    return Array.isArray(document.Statement) ? (document.Statement as TrustStatement[]) : document.Statement ? [document.Statement as TrustStatement] : [];
  } catch {
    return "is not valid JSON";
  }
}

/** Exact aws:PrincipalArn values a statement narrows to (ArnEquals / StringEquals, no wildcard), or undefined. */
function exactPrincipalArns(statement: TrustStatement): string[] | undefined {
  const values = ["ArnEquals", "StringEquals"].flatMap((operator) => {
    const block = statement.Condition?.[operator] ?? {};
    const key = Object.keys(block).find((k) => k.toLowerCase() === "aws:principalarn");
    return key === undefined ? [] : list(block[key]);
  });
  return values.length > 0 && values.every((v) => !/[*?]/.test(v)) ? values : undefined;
}

function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

function isWholeAccount(principal: string): boolean {
  return principal === "*" || /^\d{12}$/.test(principal) || /^arn:[^:]+:iam::\d{12}:root$/.test(principal);
}

/** Every problem with the role's trust; empty when only the allowed kinds of principal may assume it. */
export function trustProblems(check: TrustCheck): string[] {
  const name = `${check.what} ${check.roleArn}`;
  if (check.trustPolicy === undefined) return [`${name} does not exist: create it (with a trust ${TRUST_ALLOWED}) before deploying; the guardrails exempt or trust it by ARN`];
  const statements = parse(check.trustPolicy);
  if (typeof statements === "string") return [`${name}: its trust policy ${statements}`];
  const problems: string[] = [];
  statements.forEach((statement, index) => {
    if (statement.Effect !== "Allow") return;
    const label = `${name}: trust statement #${index + 1}`;
    if (statement.NotPrincipal !== undefined) problems.push(`${label} uses NotPrincipal, which admits everyone not listed; ${TRUST_ALLOWED}`);
    const principal = statement.Principal;
    const aws = principal === "*" ? ["*"] : list((principal as { AWS?: unknown } | undefined)?.AWS);
    const services = principal === "*" ? [] : list((principal as { Service?: unknown } | undefined)?.Service);
    for (const service of services) problems.push(`${label} trusts the service principal ${service}: any code that service runs for the account can act as this role; ${TRUST_ALLOWED}`);
    const narrowed = exactPrincipalArns(statement);
    for (const p of aws) {
      if (isWholeAccount(p) && narrowed === undefined) problems.push(`${label} trusts ${p === "*" ? "every principal (*)" : `the whole account ${accountOf(p)} (${p})`} without an exact aws:PrincipalArn: every administrator there can become this role; ${TRUST_ALLOWED}`);
    }
    const admitted = [...aws.filter((p) => !isWholeAccount(p) || narrowed === undefined), ...(narrowed ?? [])];
    for (const forbidden of check.forbiddenAccounts ?? []) {
      for (const p of admitted) {
        if (accountOf(p) === forbidden.accountId) problems.push(`${label} trusts ${p}, a principal of account ${forbidden.accountId} (${forbidden.why}); this role must never trust a principal of that account`);
      }
    }
  });
  return problems;
}
