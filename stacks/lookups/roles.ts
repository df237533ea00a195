import * as aws from "@pulumi/aws";
import { DeployedRole } from "../../src/roleMigration";

/**
 * The roles IAM lists under a path (ListRoles with PathPrefix, through aws.iam.getRoles), with the tags of those
 * not in `expected` (GetRole): only roles that are not the ones the program is about to register need a closer look.
 */
export async function rolesUnderPath(pathPrefix: string, expected: ReadonlySet<string>, provider: aws.Provider): Promise<DeployedRole[]> {
  const listed = await aws.iam.getRoles({ pathPrefix }, { provider });
  const others = listed.names.filter((name) => !expected.has(name));
  return Promise.all(others.map(async (name) => ({ name, tags: (await aws.iam.getRole({ name }, { provider })).tags ?? {} })));
}
