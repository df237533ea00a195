/**
 * ARN parsing lives in the client package (one implementation, shared with applications); the builders below are the
 * program's own.
 */
export {
  isAccountId,
  parseProjectArn,
  parseProjectVersionArn,
  parseRoleArn,
  type ProjectArn,
  type ProjectVersionArn,
  type RoleArn,
} from "@modelshare/client/contract";

/** ARN of an IAM role from its parts (role names are chosen by us, so unlike model versions they are predictable). */
export function roleArn(partition: string, accountId: string, path: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role${path}${roleName}`;
}

/** The account root principal ARN, used as trust principal so the trusted role need not exist first. */
export function accountRootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}
