import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ModelAlarmSpec, REKOGNITION_NAMESPACE } from "../src/detective/alarms";

export interface ModelHealthAlarmsArgs {
  /** The alarms of every granted version (src/detective/alarms.ts). */
  readonly alarms: readonly ModelAlarmSpec[];
  /** Where they notify (alarm and recovery). */
  readonly snsTopicArn: string;
  readonly tags?: Record<string, string>;
}

/**
 * CloudWatch alarms on the Rekognition Custom Labels metrics of each granted model version: server errors, throttling
 * and fewer inference units in service than desired. Missing data (no traffic, a version that is starting) does not
 * breach: an alarm says something is wrong, silence does not. Promotion's bake step and `status` read their states.
 */
export class ModelHealthAlarms extends pulumi.ComponentResource {
  readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: ModelHealthAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:ModelHealthAlarms", name, {}, opts);
    const alarms = args.alarms.map((spec) => {
      const common = {
        name: spec.name,
        alarmDescription: spec.description,
        comparisonOperator: "GreaterThanThreshold",
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        treatMissingData: "notBreaching",
        alarmActions: [args.snsTopicArn],
        okActions: [args.snsTopicArn],
        tags: args.tags,
      };
      const metric = spec.metric;
      const inputs: aws.cloudwatch.MetricAlarmArgs =
        metric.kind === "metric"
          ? { ...common, namespace: REKOGNITION_NAMESPACE, metricName: metric.metricName, statistic: metric.statistic, period: spec.periodSeconds, dimensions: { ...metric.dimensions } }
          : {
              ...common,
              metricQueries: [
                ...metric.metrics.map((m) => ({
                  id: m.id,
                  returnData: false,
                  metric: { namespace: REKOGNITION_NAMESPACE, metricName: m.metricName, stat: m.statistic, period: spec.periodSeconds, dimensions: { ...m.dimensions } },
                })),
                { id: "gap", expression: metric.expression, label: "desired minus in-service inference units", returnData: true },
              ],
            };
      return new aws.cloudwatch.MetricAlarm(`${name}-${spec.name}`, inputs, { parent: this });
    });
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    this.registerOutputs({ alarmNames: this.alarmNames });
  }
}
