import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTagsOfResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import { AwsClients } from "../aws";
import { orGone, optBool, optNum, optStr, Props, ResourceType, str, tagChanges, tagList, tagsFrom } from "../types";

/** Waits are bounded: a table that does not settle in a minute fails the operation. */
const WAIT = { minDelay: 1, maxDelay: 2, maxWaitTime: 60 };

async function readTable(aws: AwsClients, name: string): Promise<Props | undefined> {
  return orGone(async () => {
    const table = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
    if (!table) return undefined;
    const ttl = (await aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
    const pitr = (await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    const tags = tagsFrom((await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: table.TableArn }))).Tags);
    const key = (type: "HASH" | "RANGE") => table.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
    return {
      name: table.TableName,
      arn: table.TableArn,
      hashKey: key("HASH"),
      rangeKey: key("RANGE"),
      attributes: (table.AttributeDefinitions ?? []).map((a) => ({ name: a.AttributeName, type: a.AttributeType })),
      billingMode: table.BillingModeSummary?.BillingMode ?? "PROVISIONED",
      readCapacity: table.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      writeCapacity: table.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
      ttl: ttl?.AttributeName ? { attributeName: ttl.AttributeName, enabled: ttl.TimeToLiveStatus === "ENABLED" } : { enabled: false },
      pointInTimeRecovery: { enabled: pitr?.PointInTimeRecoveryStatus === "ENABLED" },
      deletionProtectionEnabled: table.DeletionProtectionEnabled ?? false,
      streamArn: table.LatestStreamArn ?? "",
      tags,
      tagsAll: tags,
    };
  });
}

const nested = (props: Props, key: string): Props => {
  const value = props[key];
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Props) : {};
};

async function applySettings(aws: AwsClients, name: string, news: Props, olds: Props): Promise<void> {
  const ttl = nested(news, "ttl");
  const oldTtl = nested(olds, "ttl");
  if (ttl.enabled !== oldTtl.enabled || ttl.attributeName !== oldTtl.attributeName) {
    const enabled = ttl.enabled === true;
    const attributeName = optStr(enabled ? ttl : oldTtl, "attributeName");
    if (attributeName) await aws.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: attributeName, Enabled: enabled } }));
  }
  const pitr = optBool(nested(news, "pointInTimeRecovery"), "enabled") ?? false;
  if (pitr !== (optBool(nested(olds, "pointInTimeRecovery"), "enabled") ?? false)) {
    await aws.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: pitr } }));
  }
}

export const table: ResourceType = {
  nameProperty: "name",
  replaceOn: ["name", "hashKey", "rangeKey"],
  async create(aws, inputs) {
    const name = str(inputs, "name");
    const billingMode = (optStr(inputs, "billingMode") ?? "PROVISIONED") as "PROVISIONED" | "PAY_PER_REQUEST";
    const attributes = (Array.isArray(inputs.attributes) ? inputs.attributes : []) as Array<{ name: string; type: string }>;
    const rangeKey = optStr(inputs, "rangeKey");
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type as "S" })),
        KeySchema: [{ AttributeName: str(inputs, "hashKey"), KeyType: "HASH" }, ...(rangeKey ? [{ AttributeName: rangeKey, KeyType: "RANGE" as const }] : [])],
        BillingMode: billingMode,
        ...(billingMode === "PROVISIONED" ? { ProvisionedThroughput: { ReadCapacityUnits: optNum(inputs, "readCapacity") ?? 0, WriteCapacityUnits: optNum(inputs, "writeCapacity") ?? 0 } } : {}),
        DeletionProtectionEnabled: optBool(inputs, "deletionProtectionEnabled"),
        Tags: tagList(inputs),
      }),
    );
    await waitUntilTableExists({ client: aws.dynamodb, ...WAIT }, { TableName: name });
    await applySettings(aws, name, inputs, {});
    return { id: name, outputs: (await readTable(aws, name)) ?? {} };
  },
  read: (aws, id) => readTable(aws, id),
  async update(aws, id, olds, news) {
    if (news.deletionProtectionEnabled !== olds.deletionProtectionEnabled || news.billingMode !== olds.billingMode) {
      await aws.dynamodb.send(
        new UpdateTableCommand({
          TableName: id,
          DeletionProtectionEnabled: optBool(news, "deletionProtectionEnabled") ?? false,
          ...(news.billingMode !== olds.billingMode ? { BillingMode: (optStr(news, "billingMode") ?? "PROVISIONED") as "PROVISIONED" } : {}),
        }),
      );
    }
    await applySettings(aws, id, news, olds);
    const arn = (await readTable(aws, id))?.arn as string;
    const tags = tagChanges(olds, news);
    if (tags.removed.length > 0) await aws.dynamodb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: tags.removed }));
    if (tags.set.length > 0) await aws.dynamodb.send(new TagResourceCommand({ ResourceArn: arn, Tags: tags.set }));
    return (await readTable(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.dynamodb.send(new DeleteTableCommand({ TableName: id }));
    await waitUntilTableNotExists({ client: aws.dynamodb, ...WAIT }, { TableName: id });
  },
};
