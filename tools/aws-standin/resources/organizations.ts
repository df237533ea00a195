import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListTargetsForPolicyCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { AwsClients } from "../aws";
import { orGone, optStr, Props, ResourceType, str, tagChanges, tagList, tagsFrom } from "../types";

async function readPolicy(aws: AwsClients, id: string): Promise<Props | undefined> {
  return orGone(async () => {
    const policy = (await aws.organizations.send(new DescribePolicyCommand({ PolicyId: id }))).Policy;
    if (!policy) return undefined;
    const tags = tagsFrom((await aws.organizations.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags);
    return {
      id,
      arn: policy.PolicySummary?.Arn,
      name: policy.PolicySummary?.Name,
      description: policy.PolicySummary?.Description ?? "",
      type: policy.PolicySummary?.Type,
      awsManaged: policy.PolicySummary?.AwsManaged ?? false,
      content: policy.Content,
      tags,
      tagsAll: tags,
    };
  });
}

export const policy: ResourceType = {
  nameProperty: "name",
  replaceOn: ["type"],
  async create(aws, inputs) {
    const created = await aws.organizations.send(
      new CreatePolicyCommand({
        Name: str(inputs, "name"),
        Description: optStr(inputs, "description") ?? "",
        Type: (optStr(inputs, "type") ?? "SERVICE_CONTROL_POLICY") as "SERVICE_CONTROL_POLICY",
        Content: str(inputs, "content"),
        Tags: tagList(inputs),
      }),
    );
    const id = created.Policy?.PolicySummary?.Id as string;
    return { id, outputs: (await readPolicy(aws, id)) ?? {} };
  },
  read: (aws, id) => readPolicy(aws, id),
  async update(aws, id, olds, news) {
    await aws.organizations.send(new UpdatePolicyCommand({ PolicyId: id, Name: optStr(news, "name"), Description: optStr(news, "description") ?? "", Content: optStr(news, "content") }));
    const tags = tagChanges(olds, news);
    if (tags.removed.length > 0) await aws.organizations.send(new UntagResourceCommand({ ResourceId: id, TagKeys: tags.removed }));
    if (tags.set.length > 0) await aws.organizations.send(new TagResourceCommand({ ResourceId: id, Tags: tags.set }));
    return (await readPolicy(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.organizations.send(new DeletePolicyCommand({ PolicyId: id }));
  },
};

/** The id is `<target>:<policy id>` as the real provider's. */
async function readAttachment(aws: AwsClients, id: string): Promise<Props | undefined> {
  const [targetId, policyId] = id.split(":");
  return orGone(async () => {
    const targets = (await aws.organizations.send(new ListTargetsForPolicyCommand({ PolicyId: policyId }))).Targets ?? [];
    return targets.some((t) => t.TargetId === targetId) ? { policyId, targetId } : undefined;
  });
}

export const policyAttachment: ResourceType = {
  replaceOn: ["policyId", "targetId"],
  async create(aws, inputs) {
    const policyId = str(inputs, "policyId");
    const targetId = str(inputs, "targetId");
    await aws.organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }));
    const id = `${targetId}:${policyId}`;
    return { id, outputs: { ...((await readAttachment(aws, id)) ?? {}), skipDestroy: inputs.skipDestroy ?? false } };
  },
  read: (aws, id) => readAttachment(aws, id),
  async delete(aws, _id, state) {
    if (state.skipDestroy === true) return;
    await aws.organizations.send(new DetachPolicyCommand({ PolicyId: str(state, "policyId"), TargetId: str(state, "targetId") }));
  },
};
