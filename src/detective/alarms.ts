import { createHash } from "node:crypto";
import { parseProjectVersionArn } from "../arn";

/**
 * The model's health alarms: per granted model version, CloudWatch alarms on Rekognition Custom Labels' metrics.
 * Names are derived from the version ARN alone, so the CLI (promotion's bake, `status`) finds a version's alarms
 * without asking Pulumi, and the ML guardrail protects them by one name pattern.
 *
 * Metrics and dimensions (Rekognition Developer Guide, "CloudWatch metrics for Rekognition",
 * https://docs.aws.amazon.com/rekognition/latest/dg/cloudwatch-metricsdim.html): namespace `AWS/Rekognition`;
 * `ServerErrorCount` and `ThrottledCount` (Count, Sum), `DesiredInferenceUnits` and `InServiceInferenceUnits` (Count,
 * Average); Custom Labels' dimensions `ProjectName` and `VersionName`. The Custom Labels guide's "Reporting running
 * duration and inference units used" (rm-model-usage.html) graphs InServiceInferenceUnits with exactly these two
 * dimensions.
 */

export const REKOGNITION_NAMESPACE = "AWS/Rekognition";

export type ModelAlarmKind = "server-errors" | "throttled" | "capacity";
export const MODEL_ALARM_KINDS: readonly ModelAlarmKind[] = ["server-errors", "throttled", "capacity"];

export interface AlarmSettings {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly serverErrorThreshold: number;
  readonly throttledThreshold: number;
}

/** A single-metric alarm, or (capacity) a metric-math alarm: desired minus in-service inference units. */
export type AlarmMetric =
  | { readonly kind: "metric"; readonly metricName: "ServerErrorCount" | "ThrottledCount"; readonly statistic: "Sum"; readonly dimensions: Readonly<Record<string, string>> }
  | {
      readonly kind: "math";
      readonly expression: string;
      readonly metrics: readonly { readonly id: string; readonly metricName: "DesiredInferenceUnits" | "InServiceInferenceUnits"; readonly statistic: "Average"; readonly dimensions: Readonly<Record<string, string>> }[];
    };

export interface ModelAlarmSpec {
  readonly name: string;
  readonly alarmKind: ModelAlarmKind;
  readonly versionArn: string;
  readonly projectName: string;
  readonly versionName: string;
  readonly description: string;
  readonly metric: AlarmMetric;
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

/** CloudWatch alarm names are at most 255 characters (PutMetricAlarm, AlarmName). */
const ALARM_NAME_MAX = 255;

/** The name prefix of every model alarm of an installation: what the ML guardrail protects. */
export function modelAlarmPrefix(rolePrefix: string): string {
  return `${rolePrefix}-model-`;
}

/**
 * `<rolePrefix>-model-<versionName>-<kind>`; a version name too long for the limit is cut and a hash of the whole
 * ARN keeps names of different versions apart.
 */
export function modelAlarmName(rolePrefix: string, versionArn: string, kind: ModelAlarmKind): string {
  const versionName = versionNameOf(versionArn);
  const full = `${modelAlarmPrefix(rolePrefix)}${versionName}-${kind}`;
  if (full.length <= ALARM_NAME_MAX) return full;
  const hash = createHash("sha256").update(versionArn).digest("hex").slice(0, 12);
  const room = ALARM_NAME_MAX - modelAlarmPrefix(rolePrefix).length - kind.length - hash.length - 2;
  return `${modelAlarmPrefix(rolePrefix)}${versionName.slice(0, room)}${hash}-${kind}`;
}

export function modelAlarmNames(rolePrefix: string, versionArn: string): string[] {
  return MODEL_ALARM_KINDS.map((kind) => modelAlarmName(rolePrefix, versionArn, kind));
}

function parsed(versionArn: string): { projectName: string; versionName: string } {
  const version = parseProjectVersionArn(versionArn);
  if (typeof version === "string") throw new Error(`model version ARN ${versionArn} ${version}`); // validated by the schema
  return version;
}

function versionNameOf(versionArn: string): string {
  return parsed(versionArn).versionName;
}

/** The three alarms of each version, in a stable order. */
export function modelAlarmSpecs(rolePrefix: string, versionArns: readonly string[], settings: AlarmSettings): ModelAlarmSpec[] {
  return [...new Set(versionArns)].sort().flatMap((versionArn) => {
    const { projectName, versionName } = parsed(versionArn);
    const dimensions = { ProjectName: projectName, VersionName: versionName };
    const common = { versionArn, projectName, versionName, periodSeconds: settings.periodSeconds, evaluationPeriods: settings.evaluationPeriods };
    const specs: ModelAlarmSpec[] = [
      {
        ...common,
        name: modelAlarmName(rolePrefix, versionArn, "server-errors"),
        alarmKind: "server-errors",
        description: `modelshare: ${versionName} returned more than ${settings.serverErrorThreshold} server errors (5xx) per ${settings.periodSeconds} s`,
        metric: { kind: "metric", metricName: "ServerErrorCount", statistic: "Sum", dimensions },
        threshold: settings.serverErrorThreshold,
      },
      {
        ...common,
        name: modelAlarmName(rolePrefix, versionArn, "throttled"),
        alarmKind: "throttled",
        description: `modelshare: ${versionName} throttled more than ${settings.throttledThreshold} calls per ${settings.periodSeconds} s (more traffic than its inference units serve)`,
        metric: { kind: "metric", metricName: "ThrottledCount", statistic: "Sum", dimensions },
        threshold: settings.throttledThreshold,
      },
      {
        ...common,
        name: modelAlarmName(rolePrefix, versionArn, "capacity"),
        alarmKind: "capacity",
        description: `modelshare: ${versionName} has fewer inference units in service than it is scaling to (InServiceInferenceUnits below DesiredInferenceUnits)`,
        metric: {
          kind: "math",
          expression: "desired - inService",
          metrics: [
            { id: "desired", metricName: "DesiredInferenceUnits", statistic: "Average", dimensions },
            { id: "inService", metricName: "InServiceInferenceUnits", statistic: "Average", dimensions },
          ],
        },
        threshold: 0,
      },
    ];
    return specs;
  });
}
