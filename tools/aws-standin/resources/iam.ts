import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import { AwsClients } from "../aws";
import { orGone, optNum, optStr, Props, ResourceType, str, tagChanges, tagList, tagsFrom } from "../types";

/** IAM returns policy documents URL-encoded. */
const decodePolicy = (document: string | undefined) => (document === undefined ? undefined : decodeURIComponent(document));

async function readRole(aws: AwsClients, name: string, state: Props): Promise<Props | undefined> {
  return orGone(async () => {
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: name }))).Role;
    if (!role) return undefined;
    const tags = tagsFrom(role.Tags);
    return {
      name: role.RoleName,
      arn: role.Arn,
      path: role.Path,
      uniqueId: role.RoleId,
      createDate: role.CreateDate?.toISOString(),
      description: role.Description ?? "",
      assumeRolePolicy: decodePolicy(role.AssumeRolePolicyDocument),
      maxSessionDuration: role.MaxSessionDuration,
      permissionsBoundary: role.PermissionsBoundary?.PermissionsBoundaryArn ?? "",
      forceDetachPolicies: state.forceDetachPolicies ?? false,
      tags,
      tagsAll: tags,
    };
  });
}

export const role: ResourceType = {
  nameProperty: "name",
  replaceOn: ["name", "namePrefix", "path"],
  async create(aws, inputs) {
    const name = str(inputs, "name");
    await aws.iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: optStr(inputs, "path"),
        AssumeRolePolicyDocument: str(inputs, "assumeRolePolicy"),
        Description: optStr(inputs, "description"),
        MaxSessionDuration: optNum(inputs, "maxSessionDuration"),
        PermissionsBoundary: optStr(inputs, "permissionsBoundary"),
        Tags: tagList(inputs),
      }),
    );
    return { id: name, outputs: (await readRole(aws, name, inputs)) ?? {} };
  },
  read: readRole,
  async update(aws, id, olds, news) {
    if (news.assumeRolePolicy !== olds.assumeRolePolicy) {
      await aws.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: id, PolicyDocument: str(news, "assumeRolePolicy") }));
    }
    if (news.description !== olds.description || news.maxSessionDuration !== olds.maxSessionDuration) {
      await aws.iam.send(new UpdateRoleCommand({ RoleName: id, Description: optStr(news, "description") ?? "", MaxSessionDuration: optNum(news, "maxSessionDuration") }));
    }
    const tags = tagChanges(olds, news);
    if (tags.removed.length > 0) await aws.iam.send(new UntagRoleCommand({ RoleName: id, TagKeys: tags.removed }));
    if (tags.set.length > 0) await aws.iam.send(new TagRoleCommand({ RoleName: id, Tags: tags.set }));
    return (await readRole(aws, id, news)) ?? {};
  },
  async delete(aws, id, state) {
    // forceDetachPolicies: the role's own inline policies and attachments go first, or DeleteRole refuses.
    if (state.forceDetachPolicies === true) {
      const inline = (await aws.iam.send(new ListRolePoliciesCommand({ RoleName: id }))).PolicyNames ?? [];
      for (const policyName of inline) await aws.iam.send(new DeleteRolePolicyCommand({ RoleName: id, PolicyName: policyName }));
      const attached = (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: id }))).AttachedPolicies ?? [];
      for (const policy of attached) await aws.iam.send(new DetachRolePolicyCommand({ RoleName: id, PolicyArn: policy.PolicyArn }));
    }
    await aws.iam.send(new DeleteRoleCommand({ RoleName: id }));
  },
};

/** Inline role policy; the id is `<role>:<policy name>` as the real provider's. */
async function readRolePolicy(aws: AwsClients, id: string): Promise<Props | undefined> {
  const [roleName, ...rest] = id.split(":");
  const policyName = rest.join(":");
  return orGone(async () => {
    const response = await aws.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    return { role: response.RoleName, name: response.PolicyName, policy: decodePolicy(response.PolicyDocument) };
  });
}

export const rolePolicy: ResourceType = {
  nameProperty: "name",
  replaceOn: ["name", "namePrefix", "role"],
  async create(aws, inputs) {
    const id = `${str(inputs, "role")}:${str(inputs, "name")}`;
    await aws.iam.send(new PutRolePolicyCommand({ RoleName: str(inputs, "role"), PolicyName: str(inputs, "name"), PolicyDocument: str(inputs, "policy") }));
    return { id, outputs: (await readRolePolicy(aws, id)) ?? {} };
  },
  read: (aws, id) => readRolePolicy(aws, id),
  async update(aws, id, _olds, news) {
    await aws.iam.send(new PutRolePolicyCommand({ RoleName: str(news, "role"), PolicyName: str(news, "name"), PolicyDocument: str(news, "policy") }));
    return (await readRolePolicy(aws, id)) ?? {};
  },
  async delete(aws, _id, state) {
    await aws.iam.send(new DeleteRolePolicyCommand({ RoleName: str(state, "role"), PolicyName: str(state, "name") }));
  },
};
