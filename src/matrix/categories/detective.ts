import { ALARM_PROTECTED_ACTIONS, CONFIG_RULE_PROTECTED_ACTIONS, RECORDER_PROTECTED_ACTIONS } from "../../policies/detectiveGuardrail";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn } from "../callers";
import { Caller, matrixCase, roleCaller } from "../requests";
import type { Topology } from "../topology";
import { guardedBy, mlGuardrail } from "./common";

const actionName = (action: string) => action.split(":")[1];

/**
 * Detective controls: who may change or delete the organization's access analyzer and its archive rules, the
 * unused-access analyzer, the Config rule, a recorder modelshare created and the model's alarms. Only the pipeline
 * (and break-glass; in the analyzer's account, the role Pulumi assumes there) may: an administrator of the account
 * holding AdministratorAccess is stopped by the ML guardrail. And what the protection leaves alone on purpose: other
 * teams' Config rules and alarms, and triage of single findings. Every action is tried on one alarm, and deletion on
 * every alarm: the rows grow with the granted versions (three alarms each), never with the environments.
 */
export function detectiveCases(topology: Topology): MatrixCase[] {
  const ml = topology.ml;
  const detective = topology.detective;
  const scp = mlGuardrail(topology);
  const cases: MatrixCase[] = [];
  const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, resourceAccount: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }, resourceTags?: Record<string, string>) =>
    cases.push(matrixCase(topology, { category: "detective", kind, scenario, caller, action, resource, resourceAccount, ...intent, ...(resourceTags ? { resourceTags } : {}) }));
  const administrator = (account: string, name = "administrator") => roleCaller(topology, roleArnIn(topology, account, name), "ml", [ADMINISTRATOR]);
  const mlAdmin = administrator(ml.mlAccountId, "ml-account-administrator");
  // The pipeline deploys the stacks: with its deploy permissions (not modelled) it holds what AdministratorAccess holds.
  const pipeline = roleCaller(topology, ml.pipelineRoleArn, "ml", [ADMINISTRATOR]);
  const breakGlass = ml.breakGlassRoleArns[0];

  const analyzer = detective.analyzer;
  const management = ml.guardrail.managementRoleArn?.split(":")[4];
  if (analyzer && analyzer.accountId !== management) {
    const admin = administrator(analyzer.accountId);
    const at = (action: string) => (action.endsWith("ArchiveRule") && !action.endsWith("ApplyArchiveRule") ? analyzer.archiveRuleArn : analyzer.arn);
    for (const action of ["access-analyzer:DeleteAnalyzer", "access-analyzer:UpdateAnalyzer", "access-analyzer:ApplyArchiveRule", "access-analyzer:CreateArchiveRule", "access-analyzer:UpdateArchiveRule", "access-analyzer:DeleteArchiveRule"]) {
      ask("administrator-analyzer", `administrator of the analyzer's account ${analyzer.accountId} -> ${actionName(action)} on the organization's analyzer`, admin, action, at(action), analyzer.accountId, guardedBy(scp));
    }
    ask("triage-finding", "administrator of the analyzer's account -> UpdateFindings (archive one finding by hand: triage stays with the security team)", admin, "access-analyzer:UpdateFindings", analyzer.arn, analyzer.accountId, { expected: "Allowed" });
    if (analyzer.adminRoleArn) {
      const deployer = roleCaller(topology, analyzer.adminRoleArn, "ml", [ADMINISTRATOR]);
      for (const action of ["access-analyzer:CreateArchiveRule", "access-analyzer:UpdateArchiveRule"]) {
        ask("analyzer-deployer", `the role Pulumi assumes in ${analyzer.accountId} -> ${actionName(action)} (what it is for)`, deployer, action, analyzer.archiveRuleArn, analyzer.accountId, { expected: "Allowed" });
      }
      ask("analyzer-deployer-role", `administrator of ${analyzer.accountId} -> UpdateAssumeRolePolicy on the role Pulumi assumes there (it is exempt, so protected)`, admin, "iam:UpdateAssumeRolePolicy", analyzer.adminRoleArn, analyzer.accountId, guardedBy(scp));
    }
  }
  if (detective.unusedAnalyzer) {
    ask("administrator-analyzer", "ML-account administrator -> DeleteAnalyzer on the unused-access analyzer", mlAdmin, "access-analyzer:DeleteAnalyzer", detective.unusedAnalyzer.arn, ml.mlAccountId, guardedBy(scp));
    ask("administrator-analyzer", "ML-account administrator -> CreateArchiveRule on the unused-access analyzer (it would hide unused shared roles)", mlAdmin, "access-analyzer:CreateArchiveRule", detective.unusedAnalyzer.archiveRuleArn, ml.mlAccountId, guardedBy(scp));
    ask("pipeline", "pipeline role -> DeleteAnalyzer on the unused-access analyzer (it deploys it)", pipeline, "access-analyzer:DeleteAnalyzer", detective.unusedAnalyzer.arn, ml.mlAccountId, { expected: "Allowed" });
  }
  const rule = detective.configRule;
  if (rule) {
    for (const action of CONFIG_RULE_PROTECTED_ACTIONS) {
      ask("administrator-config-rule", `ML-account administrator -> ${actionName(action)} on the Config rule (tagged for the guardrail)`, mlAdmin, action, rule.arn, ml.mlAccountId, guardedBy(scp), rule.tags);
    }
    const other = rule.arn.replace(/config-rule\/.*$/, "config-rule/config-rule-0th3r");
    ask("other-config-rule", "ML-account administrator -> DeleteConfigRule on another team's rule (untagged: not modelshare's to protect)", mlAdmin, "config:DeleteConfigRule", other, ml.mlAccountId, { expected: "Allowed" });
    ask("pipeline", "pipeline role -> PutConfigRule on the Config rule (it deploys it)", pipeline, "config:PutConfigRule", rule.arn, ml.mlAccountId, { expected: "Allowed" }, rule.tags);
    if (breakGlass) ask("break-glass", "break-glass role -> DeleteConfigRule on the Config rule", roleCaller(topology, breakGlass, "ml", [ADMINISTRATOR]), "config:DeleteConfigRule", rule.arn, ml.mlAccountId, { expected: "Allowed" }, rule.tags);
  }
  if (detective.recorder) {
    for (const action of RECORDER_PROTECTED_ACTIONS) {
      ask("administrator-recorder", `ML-account administrator -> ${actionName(action)} on the recorder modelshare created`, mlAdmin, action, detective.recorder.arn, ml.mlAccountId, guardedBy(scp));
    }
    ask("pipeline", "pipeline role -> StopConfigurationRecorder (it deploys the recorder)", pipeline, "config:StopConfigurationRecorder", detective.recorder.arn, ml.mlAccountId, { expected: "Allowed" });
  }
  const [alarm, ...others] = detective.alarms;
  if (alarm) {
    for (const action of ALARM_PROTECTED_ACTIONS) {
      ask("administrator-alarm", `ML-account administrator -> ${actionName(action)} on a model alarm (${alarm.name})`, mlAdmin, action, alarm.arn, ml.mlAccountId, guardedBy(scp));
    }
    for (const each of others) ask("administrator-alarm", `ML-account administrator -> DeleteAlarms on ${each.name}`, mlAdmin, "cloudwatch:DeleteAlarms", each.arn, ml.mlAccountId, guardedBy(scp));
    const own = alarm.arn.replace(/alarm:.*$/, "alarm:team-dashboard-latency");
    ask("other-alarm", "ML-account administrator -> PutMetricAlarm on an alarm of its own (not a model alarm)", mlAdmin, "cloudwatch:PutMetricAlarm", own, ml.mlAccountId, { expected: "Allowed" });
    for (const action of ["cloudwatch:PutMetricAlarm", "cloudwatch:SetAlarmState"]) {
      ask("pipeline", `pipeline role -> ${actionName(action)} on a model alarm (it deploys them)`, pipeline, action, alarm.arn, ml.mlAccountId, { expected: "Allowed" });
    }
  }
  return cases;
}
