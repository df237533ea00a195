import type { ConfigProblem } from "../config/problems";
import type { ConfigRulePlan } from "./plan";

/**
 * Config rules need the Region's configuration recorder, and a Region has at most one customer-managed recorder
 * (PutConfigurationRecorder on a second name fails with MaxNumberOfConfigurationRecordersExceededException; on the
 * same name it silently replaces the existing recorder's settings). So before anything is registered the ML stack
 * looks the recorder up by name (Cloud Control, AWS::Config::ConfigurationRecorder; the AWS provider has no listing
 * data source) and decides here, purely:
 * - mode `existing`: the named recorder must exist and record AWS::IAM::Role;
 * - mode `create`: no recorder of the well-known names may exist, except one with the configured name that records
 *   exactly what modelshare's would (the one an earlier deploy created).
 */

/** Names recorders are known by: AWS's default, and Control Tower's. */
export const WELL_KNOWN_RECORDER_NAMES = ["default", "aws-controltower-BaselineConfigRecorder"] as const;

/** The recorder's properties as Cloud Control returns them (CloudFormation's AWS::Config::ConfigurationRecorder schema). */
export interface RecorderProperties {
  readonly Name?: string;
  readonly RoleARN?: string;
  readonly RecordingGroup?: {
    readonly AllSupported?: boolean;
    readonly IncludeGlobalResourceTypes?: boolean;
    readonly ResourceTypes?: readonly string[];
    readonly ExclusionByResourceTypes?: { readonly ResourceTypes?: readonly string[] };
    readonly RecordingStrategy?: { readonly UseOnly?: string };
  };
}

/** Whether a recorder records IAM roles (the rule's only resource type). IAM types are global: AllSupported needs IncludeGlobalResourceTypes. */
export function recordsIamRoles(properties: RecorderProperties): boolean {
  const group = properties.RecordingGroup;
  if (group === undefined) return false;
  if (group.ResourceTypes?.includes("AWS::IAM::Role")) return true;
  if (group.AllSupported === true) return group.IncludeGlobalResourceTypes === true;
  if (group.RecordingStrategy?.UseOnly === "EXCLUSION_BY_RESOURCE_TYPES") return !(group.ExclusionByResourceTypes?.ResourceTypes ?? []).includes("AWS::IAM::Role");
  return false;
}

/** Whether a recorder is the one modelshare creates: IAM roles only, by inclusion. */
export function isModelshareRecorder(properties: RecorderProperties): boolean {
  const group = properties.RecordingGroup;
  return group?.AllSupported !== true && JSON.stringify([...(group?.ResourceTypes ?? [])].sort()) === JSON.stringify(["AWS::IAM::Role"]);
}

/** The names to look up for a plan. */
export function recorderNamesToLookUp(recorder: ConfigRulePlan["recorder"]): string[] {
  return recorder.mode === "existing" ? [recorder.name] : [...new Set([recorder.name, ...WELL_KNOWN_RECORDER_NAMES])];
}

/** Problems with the recorder decision, given what the lookup found per name (undefined: no such recorder). */
export function recorderProblems(recorder: ConfigRulePlan["recorder"], found: ReadonlyMap<string, RecorderProperties | undefined>, where: string, key: (path: string) => string): ConfigProblem[] {
  if (recorder.mode === "existing") {
    const properties = found.get(recorder.name);
    if (properties === undefined) {
      return [
        {
          key: key("detective.configRule.recorder.name"),
          value: recorder.name,
          message: `no configuration recorder of that name in ${where} (aws configservice describe-configuration-recorders lists it; Control Tower's is aws-controltower-BaselineConfigRecorder), or set detective.configRule.recorder.mode to create`,
        },
      ];
    }
    if (!recordsIamRoles(properties)) {
      return [{ key: key("detective.configRule.recorder.name"), value: recorder.name, message: `records no AWS::IAM::Role in ${where}: the Config rule would never be evaluated; have its owner record IAM roles (AllSupported with IncludeGlobalResourceTypes, or the type itself)` }];
    }
    return [];
  }
  const problems: ConfigProblem[] = [];
  for (const [name, properties] of found) {
    if (properties === undefined) continue;
    if (name === recorder.name && isModelshareRecorder(properties)) continue; // created by an earlier deploy
    problems.push({
      key: key("detective.configRule.recorder.mode"),
      value: "create",
      message: `${where} already has the configuration recorder "${name}"; a Region has one, and creating modelshare's would replace or conflict with it: set recorder.mode existing and recorder.name "${name}"`,
    });
  }
  return problems;
}
