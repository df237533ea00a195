/**
 * Typed IAM policy documents. Every policy modelshare emits is built as one of these by a pure function and
 * turned into JSON only when handed to a resource, so a test can parse and inspect exactly what AWS receives.
 */

export type ConditionOperator =
  | "StringEquals"
  | "StringNotEquals"
  | "StringLike"
  | "StringNotLike"
  | "ArnLike"
  | "ArnNotLike"
  | "ArnEquals"
  | "ArnLikeIfExists"
  | "Bool"
  | "NumericLessThanEquals"
  | "ForAllValues:StringEquals";

/** operator -> condition key -> value(s) */
export type Condition = Partial<Record<ConditionOperator, Record<string, string | readonly string[]>>>;

export type Principal = "*" | { readonly AWS?: string | readonly string[]; readonly Service?: string | readonly string[] };

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Principal;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Condition;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** The JSON AWS receives. Minified: IAM and Organizations quotas count characters without whitespace. */
export function toJson(document: PolicyDocument): string {
  return JSON.stringify(document);
}

/** Size as AWS counts it against quotas (whitespace is not counted). */
export function policySize(document: PolicyDocument): number {
  return toJson(document).replace(/\s+/g, "").length;
}

/** Sorted, de-duplicated copy: stable policy text gives stable diffs and no spurious updates. */
export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
