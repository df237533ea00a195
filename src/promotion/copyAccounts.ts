import type { RekognitionClient } from "@aws-sdk/client-rekognition";
import { mapBounded } from "./bounded";
import { copyDestinationFromOutputs, DeployedCopyDestination } from "./deployed";
import { ModelLifecycle, VersionDescription } from "./model";
import { StackNotDeployedError, StackWorkspace } from "./workspace";

/**
 * What runs in a copy environment's own account, for `status`: its deployed stack's destination project (output
 * `copy`) and every version of it (DescribeProjectVersions through the environment's deploy role, the role promotion
 * copies, starts and stops as). A stack not deployed in copy mode, and an account that cannot be read (the deploy role
 * refused, a timeout), are answers per environment: they never fail `status` as a whole.
 */
export type CopyAccountState =
  | {
      readonly state: "read";
      readonly projectArn: string;
      /** The copy the environment's parameter names (NOT_COPIED_YET before the first copy), as deployed. */
      readonly calledVersionArn?: string;
      readonly versions: readonly VersionDescription[];
    }
  | { readonly state: "not-deployed"; readonly reason: string }
  | { readonly state: "unreadable"; readonly projectArn?: string; readonly error: string };

/** Consumer accounts read at once (each an AssumeRole, then DescribeProjectVersions pages). */
const ACCOUNTS_AT_ONCE = 4;

export async function readCopyAccounts(
  workspace: StackWorkspace,
  stacks: Readonly<Record<string, string>>,
  rekognitionFor: (env: string) => RekognitionClient,
): Promise<Record<string, CopyAccountState>> {
  const envs = Object.keys(stacks).sort();
  const states = await mapBounded(envs, ACCOUNTS_AT_ONCE, (env) => readCopyAccount(workspace, stacks[env], () => rekognitionFor(env)));
  return Object.fromEntries(envs.map((env, i) => [env, states[i]]));
}

async function readCopyAccount(workspace: StackWorkspace, stack: string, rekognition: () => RekognitionClient): Promise<CopyAccountState> {
  let outputs: Record<string, unknown>;
  try {
    outputs = await workspace.outputs(stack);
  } catch (error) {
    if (error instanceof StackNotDeployedError) return { state: "not-deployed", reason: `its consumer stack ${stack} is not deployed yet` };
    return { state: "unreadable", error: `the outputs of its consumer stack ${stack} could not be read: ${messageOf(error)}` };
  }
  let destination: DeployedCopyDestination;
  try {
    destination = copyDestinationFromOutputs(outputs, stack);
  } catch (error) {
    return { state: "not-deployed", reason: messageOf(error) };
  }
  try {
    // The client (and the deploy role's credentials) is made inside the try: AssumeRole refused is this account's answer.
    const versions = await new ModelLifecycle(rekognition(), destination.projectArn).describeAll();
    return { state: "read", projectArn: destination.projectArn, ...(destination.calledVersionArn ? { calledVersionArn: destination.calledVersionArn } : {}), versions };
  } catch (error) {
    return { state: "unreadable", projectArn: destination.projectArn, error: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
}
