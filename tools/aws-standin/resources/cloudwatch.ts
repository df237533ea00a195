import { DeleteAlarmsCommand, DescribeAlarmsCommand, ListTagsForResourceCommand, MetricDataQuery, PutMetricAlarmCommand, UntagResourceCommand } from "@aws-sdk/client-cloudwatch";
import { AwsClients } from "../aws";
import { optNum, optStr, orGone, Props, ResourceType, str, strList, tagChanges, tagList, tagsFrom } from "../types";

type Dimensions = Record<string, string>;

const dimensionList = (value: unknown) => Object.entries((value ?? {}) as Dimensions).map(([Name, Value]) => ({ Name, Value }));
const dimensionMap = (list: ReadonlyArray<{ Name?: string; Value?: string }> | undefined): Dimensions => Object.fromEntries((list ?? []).map((d) => [d.Name ?? "", d.Value ?? ""]));

/** `metricQueries` (the provider's shape) -> PutMetricAlarm's `Metrics`. */
function metricDataQueries(value: unknown): MetricDataQuery[] {
  return ((Array.isArray(value) ? value : []) as Props[]).map((q) => {
    const metric = q.metric as Props | undefined;
    return {
      Id: str(q, "id"),
      ReturnData: q.returnData === true,
      ...(optStr(q, "expression") ? { Expression: optStr(q, "expression") } : {}),
      ...(optStr(q, "label") ? { Label: optStr(q, "label") } : {}),
      ...(metric
        ? {
            MetricStat: {
              Metric: { Namespace: optStr(metric, "namespace"), MetricName: optStr(metric, "metricName"), Dimensions: dimensionList(metric.dimensions) },
              Period: optNum(metric, "period"),
              Stat: optStr(metric, "stat"),
            },
          }
        : {}),
    };
  });
}

async function readAlarm(aws: AwsClients, name: string): Promise<Props | undefined> {
  return orGone(async () => {
    const alarm = (await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ["MetricAlarm"] }))).MetricAlarms?.[0];
    if (!alarm?.AlarmArn) return undefined;
    const tags = tagsFrom((await aws.cloudwatch.send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }))).Tags);
    return {
      name: alarm.AlarmName,
      arn: alarm.AlarmArn,
      alarmDescription: alarm.AlarmDescription,
      comparisonOperator: alarm.ComparisonOperator,
      threshold: alarm.Threshold,
      evaluationPeriods: alarm.EvaluationPeriods,
      treatMissingData: alarm.TreatMissingData,
      alarmActions: alarm.AlarmActions ?? [],
      okActions: alarm.OKActions ?? [],
      namespace: alarm.Namespace,
      metricName: alarm.MetricName,
      statistic: alarm.Statistic,
      period: alarm.Period,
      ...(alarm.Dimensions && alarm.Dimensions.length > 0 ? { dimensions: dimensionMap(alarm.Dimensions) } : {}),
      ...(alarm.Metrics && alarm.Metrics.length > 0
        ? {
            metricQueries: alarm.Metrics.map((q) => ({
              id: q.Id,
              returnData: q.ReturnData ?? false,
              expression: q.Expression,
              label: q.Label,
              ...(q.MetricStat
                ? { metric: { namespace: q.MetricStat.Metric?.Namespace, metricName: q.MetricStat.Metric?.MetricName, dimensions: dimensionMap(q.MetricStat.Metric?.Dimensions), period: q.MetricStat.Period, stat: q.MetricStat.Stat } }
                : {}),
            })),
          }
        : {}),
      tags,
      tagsAll: tags,
    };
  });
}

/** PutMetricAlarm creates or replaces the whole alarm (tags only on create: an update tags through the tag calls). */
const put = (inputs: Props, withTags: boolean) =>
  new PutMetricAlarmCommand({
    AlarmName: str(inputs, "name"),
    AlarmDescription: optStr(inputs, "alarmDescription"),
    ComparisonOperator: str(inputs, "comparisonOperator") as "GreaterThanThreshold",
    Threshold: optNum(inputs, "threshold"),
    EvaluationPeriods: optNum(inputs, "evaluationPeriods") ?? 1,
    TreatMissingData: optStr(inputs, "treatMissingData"),
    AlarmActions: strList(inputs, "alarmActions"),
    OKActions: strList(inputs, "okActions"),
    Namespace: optStr(inputs, "namespace"),
    MetricName: optStr(inputs, "metricName"),
    Statistic: optStr(inputs, "statistic") as "Sum" | undefined,
    Period: optNum(inputs, "period"),
    ...(inputs.dimensions ? { Dimensions: dimensionList(inputs.dimensions) } : {}),
    ...(Array.isArray(inputs.metricQueries) ? { Metrics: metricDataQueries(inputs.metricQueries) } : {}),
    ...(withTags ? { Tags: tagList(inputs) } : {}),
  });

/** `aws:cloudwatch/metricAlarm:MetricAlarm` (the model's health alarms, src/detective/alarms.ts). */
export const metricAlarm: ResourceType = {
  nameProperty: "name",
  replaceOn: ["name"],
  async create(aws, inputs) {
    await aws.cloudwatch.send(put(inputs, true));
    const name = str(inputs, "name");
    return { id: name, outputs: (await readAlarm(aws, name)) ?? {} };
  },
  read: (aws, id) => readAlarm(aws, id),
  async update(aws, id, olds, news) {
    await aws.cloudwatch.send(put(news, true));
    const removed = tagChanges(olds, news).removed;
    const arn = optStr(olds, "arn");
    if (removed.length > 0 && arn) await aws.cloudwatch.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: removed }));
    return (await readAlarm(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [id] }));
  },
};
