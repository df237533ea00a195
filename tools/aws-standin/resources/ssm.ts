import { AddTagsToResourceCommand, DeleteParameterCommand, GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand, RemoveTagsFromResourceCommand } from "@aws-sdk/client-ssm";
import { AwsClients } from "../aws";
import { orGone, optStr, Props, ResourceType, str, tagChanges, tagList, tagsFrom } from "../types";

async function readParameter(aws: AwsClients, name: string, state: Props): Promise<Props | undefined> {
  return orGone(async () => {
    const p = (await aws.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
    if (!p) return undefined;
    const tags = tagsFrom((await aws.ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: name }))).TagList);
    return {
      name: p.Name,
      arn: p.ARN,
      type: p.Type,
      value: p.Value,
      version: p.Version,
      dataType: p.DataType ?? "text",
      tier: state.tier ?? "Standard",
      description: state.description,
      tags,
      tagsAll: tags,
    };
  });
}

const put = (inputs: Props, overwrite: boolean) =>
  new PutParameterCommand({
    Name: str(inputs, "name"),
    Type: str(inputs, "type") as "String",
    Value: str(inputs, "value"),
    Description: optStr(inputs, "description"),
    Tier: optStr(inputs, "tier") as "Standard" | undefined,
    AllowedPattern: optStr(inputs, "allowedPattern"),
    DataType: optStr(inputs, "dataType"),
    KeyId: optStr(inputs, "keyId"),
    Overwrite: overwrite,
    // The API refuses tags together with Overwrite: updates tag separately.
    ...(overwrite ? {} : { Tags: tagList(inputs) }),
  });

export const parameter: ResourceType = {
  nameProperty: "name",
  replaceOn: ["name"],
  async create(aws, inputs) {
    await aws.ssm.send(put(inputs, false));
    const name = str(inputs, "name");
    return { id: name, outputs: (await readParameter(aws, name, inputs)) ?? {} };
  },
  read: readParameter,
  async update(aws, id, olds, news) {
    if (["value", "type", "description", "tier", "allowedPattern", "dataType", "keyId"].some((k) => news[k] !== olds[k])) {
      await aws.ssm.send(put(news, true));
    }
    const tags = tagChanges(olds, news);
    if (tags.removed.length > 0) await aws.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: "Parameter", ResourceId: id, TagKeys: tags.removed }));
    if (tags.set.length > 0) await aws.ssm.send(new AddTagsToResourceCommand({ ResourceType: "Parameter", ResourceId: id, Tags: tags.set }));
    return (await readParameter(aws, id, news)) ?? {};
  },
  async delete(aws, id) {
    await aws.ssm.send(new DeleteParameterCommand({ Name: id }));
  },
};
