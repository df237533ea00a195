import {
  CopyProjectVersionCommand,
  DeleteProjectPolicyCommand,
  DeleteProjectVersionCommand,
  DescribeProjectVersionsCommand,
  ListProjectPoliciesCommand,
  PutProjectPolicyCommand,
  RekognitionClient,
  StartProjectVersionCommand,
  StopProjectVersionCommand,
} from "@aws-sdk/client-rekognition";
import {
  AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetParameterHistoryCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { Progress } from "../../src/cli/common";
import { rawConfigFromFlat } from "../../src/config/raw";
import { parseStackConfig } from "../../src/config/schema";
import { projectCopyPolicy, projectPolicyName } from "../../src/policies/projectPolicy";
import { CONSUMER_OUTPUTS, ML_COPY_OUTPUTS, ML_OUTPUTS, ML_PROMOTION_OUTPUTS, promotionLeaseTableName } from "../../src/contract";
import { CliContext } from "../../src/promotion/cliContext";
import { Liveness } from "../../src/promotion/journal";
import { DEFAULT_LEASE_TIMING } from "../../src/promotion/lease";
import { DetectedLabel, SmokeTester, SmokeTestRequest } from "../../src/promotion/verify";
import { ChangeKind, ResourceChange } from "../../src/promotion/changes";
import { DriftedResource, OperationOptions, PreviewOptions, StackChanges, StackNotDeployedError, StackPreview, StackWorkspace } from "../../src/promotion/workspace";
import { AutomationConfigValue, flatFromAutomationConfig } from "../../src/config/raw";

/**
 * A small simulated world for promotion tests: a project directory with real Pulumi.<stack>.yaml files, a fake
 * Pulumi workspace that edits them with Pulumi's `--path` rules and "deploys" them (keeping what is deployed apart
 * from what the files say), Rekognition, SSM and STS through aws-sdk-client-mock with state behind them, and a
 * smoke tester that only succeeds when the deployed grants and the model's status allow the call.
 */

export const ML_ACCOUNT = "111111111111";
const base = `arn:aws:rekognition:us-east-1:${ML_ACCOUNT}:project/defect-detector`;
export const PROJECT_ARN = `${base}/1714387200000`;
export const V1 = `${base}/version/defect-detector.v1/1716196364000`;
export const V2 = `${base}/version/defect-detector.v2/1725287405000`;
export const V3 = `${base}/version/defect-detector.v3/1730000000000`;
export const SHARED_ROLE = (env: string) => `arn:aws:iam::${ML_ACCOUNT}:role/modelshare/modelshare-${env}`;

export interface ProjectLayout {
  /** environment -> configured version */
  readonly configured: Record<string, string>;
  /** environment -> granted versions */
  readonly granted: Record<string, string[]>;
  readonly catalogue?: string[];
  /** consumer stacks without smokeTest */
  readonly withoutSmokeTest?: string[];
  /** modelshare:promotion.bakeSeconds (with detective.alarms on): the canary bake after the switch. */
  readonly bakeSeconds?: number;
  /**
   * Copy environments (issue 14, sharing: copy): environment -> the copies it holds (ML version -> copy ARN, see
   * COPY_OF) and whether old copies are deleted. Its configured version names the ML version, as in share mode.
   */
  readonly copyEnvs?: Record<string, { readonly copies: Record<string, string>; readonly deleteOldCopies?: boolean }>;
}

/** A copy environment's destination project (created by its consumer stack). */
export function destinationProject(env: string): string {
  return `arn:aws:rekognition:us-east-1:${consumerAccount(env)}:project/${env}-models/1720000000000`;
}

/** A copy of `source` in `env`'s destination project, as a layout's copyEnvs name it. */
export function COPY_OF(env: string, source: string, suffix = "seed"): string {
  const name = /\/version\/([^/]+)\//.exec(source)![1];
  return `arn:aws:rekognition:us-east-1:${consumerAccount(env)}:project/${env}-models/version/${name}-${suffix}/1721000000000`;
}

const CONSUMER_ACCOUNTS: Record<string, string> = { qa: "222222222222", prod: "333333333333", "pre-prod": "444444444444" };

export function consumerAccount(env: string): string {
  return CONSUMER_ACCOUNTS[env] ?? "555555555555";
}

/** Writes Pulumi.yaml and one Pulumi.<stack>.yaml per stack (stack name = environment name; ML stack "ml"). */
export function writeProject(layout: ProjectLayout): string {
  const dir = mkdtempSync(join(tmpdir(), "modelshare-promotion-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
  writeSmokeImage(dir);
  const envs = Object.keys(layout.configured);
  const ml: Record<string, unknown> = {
    "aws:region": "us-east-1",
    "modelshare:stackKind": "ml",
    "modelshare:mlAccountId": ML_ACCOUNT,
    "modelshare:organizationId": "o-a1b2c3d4e5",
    "modelshare:pipelineRoleArn": `arn:aws:iam::${ML_ACCOUNT}:role/modelshare-pipeline`,
    "modelshare:model": { projectArn: PROJECT_ARN, versions: layout.catalogue ?? [V1, V2] },
    "modelshare:consumers": Object.fromEntries(
      envs.map((env) => [
        env,
        layout.copyEnvs?.[env]
          ? { accountId: consumerAccount(env), sharing: "copy", applicationPrincipalArns: [], grantedVersions: layout.granted[env] ?? [] }
          : {
              accountId: consumerAccount(env),
              applicationPrincipalArns: [`arn:aws:iam::${consumerAccount(env)}:role/app`, `arn:aws:iam::${consumerAccount(env)}:role/modelshare/modelshare-${env}-smoke-test`],
              grantedVersions: layout.granted[env] ?? [],
            },
      ]),
    ),
    "modelshare:guardrail": { enabled: false },
    "modelshare:promotion": { minInferenceUnits: 1, maxInferenceUnits: 2, pricePerInferenceUnitHour: 4, ...(layout.bakeSeconds !== undefined ? { bakeSeconds: layout.bakeSeconds } : {}) },
    ...(layout.bakeSeconds !== undefined ? { "modelshare:detective": { alarms: { enabled: true, snsTopicArn: `arn:aws:sns:us-east-1:${ML_ACCOUNT}:modelshare-model-health` } } } : {}),
  };
  writeStack(dir, "ml", ml);
  for (const env of envs) {
    const account = consumerAccount(env);
    writeStack(dir, env, {
      "aws:region": "us-east-1",
      "modelshare:stackKind": "consumer",
      "modelshare:environment": env,
      "modelshare:accountId": account,
      "modelshare:deployRoleArn": `arn:aws:iam::${account}:role/modelshare-deploy`,
      "modelshare:mlStack": "organization/modelshare/ml",
      "modelshare:modelVersionArn": layout.configured[env],
      "modelshare:network": { allowedCidrs: ["10.20.0.0/16"] },
      ...(layout.copyEnvs?.[env]
        ? {
            "modelshare:copy": {
              projectName: `${env}-models`,
              outputBucketName: `example-${env}-model-copies`,
              ...(layout.copyEnvs[env].deleteOldCopies ? { deleteOldCopies: true } : {}),
              versions: Object.entries(layout.copyEnvs[env].copies).map(([source, copy]) => ({ source, copy })),
            },
          }
        : {}),
      ...(layout.withoutSmokeTest?.includes(env)
        ? {}
        : {
            "modelshare:smokeTest": {
              principalRoleArn: `arn:aws:iam::${account}:role/modelshare/modelshare-${env}-smoke-test`,
              image: "examples/smoke.png",
              expectedLabel: "scratch",
              minConfidence: 60,
              deadlineSeconds: 120,
            },
          }),
    });
  }
  return dir;
}

/** The smoke-test image the consumer stacks name (the project checks it is a regular file). */
function writeSmokeImage(dir: string): void {
  mkdirSync(join(dir, "examples"), { recursive: true });
  copyFileSync(join(__dirname, "..", "..", "examples", "smoke-test.png"), join(dir, "examples", "smoke.png"));
}

export function writeStack(dir: string, stack: string, config: Record<string, unknown>): void {
  writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringifyYaml({ config }));
}

export function readStack(dir: string, stack: string): Record<string, any> {
  return (parseYaml(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> }).config;
}

/** A second checkout of the same project: the stack files as they are now, without the first one's .modelshare/. */
export function copyProject(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), "modelshare-checkout-"));
  for (const name of readdirSync(dir)) if (/^Pulumi(\..+)?\.yaml$/.test(name)) copyFileSync(join(dir, name), join(copy, name));
  writeSmokeImage(copy);
  return copy;
}

// -----------------------------------------------------------------------------------------------------------------
// Pulumi

type Segment = string | number;

/** Splits `ns:a.b["c-d"][2]` into the top-level key `ns:a` and the path below it, as `pulumi config --path` does. */
export function parseConfigPath(key: string): { top: string; path: Segment[] } {
  const colon = key.indexOf(":");
  const namespace = key.slice(0, colon);
  const segments: Segment[] = [];
  const pattern = /\["([^"]+)"\]|\[(\d+)\]|\.?([^.[\]]+)/g;
  for (let m = pattern.exec(key.slice(colon + 1)); m; m = pattern.exec(key.slice(colon + 1))) {
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
  }
  const [first, ...path] = segments;
  return { top: `${namespace}:${first}`, path };
}

export type Operation = {
  readonly kind: "up" | "preview" | "setConfig" | "removeConfig" | "outputs";
  readonly stack: string;
  /** The checkout's stack file at the time of the call. */
  readonly config: Record<string, any>;
  /** The checkout that made the call. */
  readonly dir: string;
};
/**
 * What happens to an operation: "fail" throws before it takes effect, "fail-after" lets it take effect and then throws
 * (the connection dropped after the change), "hang" never returns (a process killed there), "busy" is Pulumi's lock.
 */
export type Fault = (op: Operation) => "fail" | "fail-after" | "hang" | "busy" | undefined;

export class StackBusy extends Error {}

/**
 * What is deployed, shared by every checkout of the project: each stack's config as of its last successful `up`,
 * and each consumer's VPC endpoint policy, which (like the real consumer program, through its StackReference)
 * lists the versions the deployed ML stack granted it when the consumer stack was last updated.
 */
export class DeployedWorld {
  readonly stacks: Record<string, Record<string, any>> = {};
  /** ESC environments by name: the `pulumiConfig` values a stack file's `environment:` block imports. */
  readonly escEnvironments: Record<string, Record<string, unknown>> = {};
  /** Stacks whose config `getAllConfig` reads, in order (each a `pulumi config --json` run in real life). */
  readonly configReads: string[] = [];
  /** environment -> versions its Rekognition endpoint policy allows */
  readonly endpointAllows: Record<string, string[]> = {};
  /** Copy environments: environment -> the copies its deployed stack lists (its application role and endpoint allow them). */
  readonly copyAllows: Record<string, string[]> = {};
  readonly calls: Operation[] = [];
  onDeployed: () => void = () => {};
  /** After every change of a checkout's files (setConfig, removeConfig). */
  onEdited: () => void = () => {};

  constructor(dir: string) {
    const ml = readStack(dir, "ml");
    this.stacks.ml = ml;
    for (const env of Object.keys(ml["modelshare:consumers"])) {
      this.stacks[env] = readStack(dir, env);
      this.endpointAllows[env] = [...(ml["modelshare:consumers"][env].grantedVersions ?? [])];
      if (this.copying(env)) this.copyAllows[env] = listedCopies(this.stacks[env]).map((v) => v.copy);
    }
  }

  grants(env: string): string[] {
    return this.stacks.ml["modelshare:consumers"][env]?.grantedVersions ?? [];
  }

  /** Whether the deployed ML stack says the environment copies. */
  copying(env: string): boolean {
    return this.stacks.ml["modelshare:consumers"][env]?.sharing === "copy";
  }

  /** What a copy environment's deployed model-version-arn parameter names: its copy of the configured version. */
  calledCopy(env: string): string | undefined {
    const stack = this.stacks[env];
    return listedCopies(stack).find((v) => v.source === stack["modelshare:modelVersionArn"])?.copy;
  }
}

function listedCopies(config: Record<string, any>): { source: string; copy: string }[] {
  return ((config["modelshare:copy"]?.versions ?? []) as { source: string; copy: string }[]).filter((v) => v && typeof v === "object");
}

export class FakeWorkspace implements StackWorkspace {
  readonly world: DeployedWorld;
  faults: Fault[] = [];
  upDelayMs = 0;
  concurrentUps = 0;
  maxConcurrentUps = 0;
  busyError: (stack: string) => Error = (stack) => new StackBusy(stack);

  /** A workspace over the checkout `dir`; checkouts of one project share `world`. */
  constructor(
    private readonly dir: string,
    world?: DeployedWorld,
  ) {
    this.world = world ?? new DeployedWorld(dir);
  }

  /** What each stack's last successful `up` deployed. */
  get deployed(): Record<string, Record<string, any>> {
    return this.world.stacks;
  }

  /** Every operation of every checkout of the project, in order. */
  get calls(): Operation[] {
    return this.world.calls;
  }

  set onDeployed(callback: () => void) {
    this.world.onDeployed = callback;
  }

  /** Runs the faults for an operation; returns whether the operation must throw after taking effect. */
  private async check(kind: Operation["kind"], stack: string, signal?: AbortSignal): Promise<boolean> {
    const op = { kind, stack, config: readStack(this.dir, stack), dir: this.dir };
    this.calls.push(op);
    let failAfter = false;
    for (const fault of this.faults) {
      const verdict = fault(op);
      if (verdict === "fail") throw new Error(`injected failure of ${kind} ${stack}`);
      if (verdict === "busy") throw this.busyError(stack);
      // Hangs like an update that takes for ever; a cancel (the signal: pulumi gets SIGINT) ends it, as pulumi would.
      if (verdict === "hang") await new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error(`update of ${stack} cancelled`)), { once: true }));
      if (verdict === "fail-after") failAfter = true;
    }
    return failAfter;
  }

  private after(failAfter: boolean, kind: string, stack: string): void {
    if (failAfter) throw new Error(`injected failure after ${kind} ${stack} took effect (connection reset)`);
  }

  /** Edits the stack file's config: block as `pulumi config set` does, keeping the rest (an environment: block). */
  private edit(stack: string, change: (config: Record<string, any>) => void): void {
    const file = join(this.dir, `Pulumi.${stack}.yaml`);
    const document = (parseYaml(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, any> };
    document.config ??= {};
    change(document.config);
    writeFileSync(file, stringifyYaml(document));
  }

  /**
   * As `pulumi config --show-secrets --json`: the stack file's config over the values of the ESC environments it
   * imports (file values win), secrets decrypted (fakeSecure's ciphertext) and flagged, objects as JSON.
   */
  async getAllConfig(stack: string): Promise<Record<string, AutomationConfigValue>> {
    this.world.configReads.push(stack);
    if (this.deployed[stack] === undefined && this.missingStacks.has(stack)) throw new StackNotDeployedError(stack);
    return this.resolvedConfig(stack);
  }

  /** The config the program gets for the checkout's stack (or another config file): file over ESC environments, secrets decrypted. */
  private resolvedConfig(stack: string, file = join(this.dir, `Pulumi.${stack}.yaml`)): Record<string, AutomationConfigValue> {
    const document = (parseYaml(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown>; environment?: string[] };
    const merged: Record<string, { value: unknown; secret: boolean }> = {};
    for (const name of document.environment ?? []) {
      const values = this.world.escEnvironments[name];
      if (values === undefined) throw new Error(`environment "${name}" not found`);
      for (const [key, value] of Object.entries(values)) merged[key] = { value, secret: false };
    }
    for (const [key, value] of Object.entries(document.config ?? {})) {
      const found = { secret: false };
      merged[key] = { value: decryptFake(value, found), secret: found.secret };
    }
    return Object.fromEntries(Object.entries(merged).map(([key, { value, secret }]) => [key, { value: typeof value === "string" ? value : JSON.stringify(value), secret }]));
  }

  /** Stacks that do not exist in the backend yet (getAllConfig fails as for a stack never created). */
  readonly missingStacks = new Set<string>();

  async setConfig(stack: string, key: string, value: string, options: { path: boolean }): Promise<void> {
    await this.setConfigs(stack, { [key]: value }, options);
  }

  /** As `pulumi config set-all`: one check, one write of the file. */
  async setConfigs(stack: string, values: Readonly<Record<string, string>>, options: { path: boolean }): Promise<void> {
    const failAfter = await this.check("setConfig", stack);
    this.edit(stack, (config) => {
      for (const [key, value] of Object.entries(values)) setConfigValue(config, key, value, options.path);
    });
    this.world.onEdited();
    this.after(failAfter, "setConfig", stack);
  }

  async removeConfig(stack: string, key: string, options: { path: boolean }): Promise<void> {
    const failAfter = await this.check("removeConfig", stack);
    this.edit(stack, (config) => {
      if (!options.path) {
        delete config[key];
        return;
      }
      const { top, path } = parseConfigPath(key);
      let cursor = config[top];
      path.slice(0, -1).forEach((segment) => (cursor = cursor?.[segment]));
      const last = path[path.length - 1];
      if (Array.isArray(cursor) && typeof last === "number") cursor.splice(last, 1);
      else if (cursor) delete cursor[last];
    });
    this.world.onEdited();
    this.after(failAfter, "removeConfig", stack);
  }

  async up(stack: string, onOutput?: (chunk: string) => void, options: OperationOptions = {}): Promise<StackChanges> {
    const failAfter = await this.check("up", stack, options.signal);
    this.concurrentUps++;
    this.maxConcurrentUps = Math.max(this.maxConcurrentUps, this.concurrentUps);
    try {
      if (this.upDelayMs > 0) await new Promise((done) => setTimeout(done, this.upDelayMs));
      // The program gets the config as Pulumi resolves it, and refuses an invalid one as the real one would.
      const resolved = this.resolvedConfig(stack);
      const { flat, secretKeys } = flatFromAutomationConfig(resolved);
      parseStackConfig(rawConfigFromFlat(flat, secretKeys), `Pulumi.${stack}.yaml`);
      const config = Object.fromEntries(Object.entries(flat).map(([key, value]) => [key, /^[[{]/.test(value) ? JSON.parse(value) : value]));
      const env = config["modelshare:environment"] as string | undefined;
      if (env !== undefined) {
        // The consumer program reads the deployed ML stack's grants and refuses a version not granted to it.
        const granted = this.world.grants(env);
        if (!granted.includes(config["modelshare:modelVersionArn"])) {
          throw new Error(`modelshare:modelVersionArn ${config["modelshare:modelVersionArn"]} is not granted to "${env}" by the ML stack; granted: ${granted.join(", ")}`);
        }
      }
      onOutput?.(`Updating (${stack})\n  ~ resources\nUpdate complete`);
      const changed = JSON.stringify(config) !== JSON.stringify(this.deployed[stack]);
      this.deployed[stack] = config;
      if (env !== undefined) this.world.endpointAllows[env] = [...this.world.grants(env)];
      if (env !== undefined && this.world.copying(env)) this.world.copyAllows[env] = listedCopies(config).map((v) => v.copy);
      this.world.onDeployed();
      this.after(failAfter, "up", stack);
      return changed ? { update: 1, same: 9 } : { same: 10 };
    } finally {
      this.concurrentUps--;
    }
  }

  /** Per stack, changes a preview reports on top of those its config explains (e.g. a replacement a provider forces). */
  readonly extraPreviewChanges: Record<string, ResourceChange[]> = {};
  /** The config file each preview ran with (the checkout's, or `--config-file`'s). */
  readonly previewedConfigs: Array<{ stack: string; config: Record<string, any> }> = [];

  /**
   * What an `up` with this config would change compared with what is deployed, as the real program's resources would
   * show it: a grant change updates the environment's shared-role policy (ML stack), a version change the
   * model-version-arn parameter (consumer stack), any other key an update of the stack's own config.
   */
  async preview(stack: string, options: PreviewOptions = {}): Promise<StackPreview> {
    await this.check("preview", stack);
    // As `up` would resolve it: the checkout's file, or the one passed as --config-file.
    const { flat, secretKeys } = flatFromAutomationConfig(this.resolvedConfig(stack, options.configFile));
    parseStackConfig(rawConfigFromFlat(flat, secretKeys), options.configFile ?? `Pulumi.${stack}.yaml`);
    const config: Record<string, any> = Object.fromEntries(Object.entries(flat).map(([key, value]) => [key, /^[[{]/.test(value) ? JSON.parse(value) : value]));
    const env = config["modelshare:environment"] as string | undefined;
    // As the real program in a preview: a consumer refuses a version the deployed ML stack does not grant it.
    if (env !== undefined && !this.world.grants(env).includes(config["modelshare:modelVersionArn"])) {
      throw new Error(`preview of ${stack}: modelshare:modelVersionArn ${config["modelshare:modelVersionArn"]} is not granted to "${env}" by the ML stack`);
    }
    this.previewedConfigs.push({ stack, config });
    const deployed = this.deployed[stack] ?? {};
    const changes: ResourceChange[] = [];
    for (const key of new Set([...Object.keys(config), ...Object.keys(deployed)])) {
      if (JSON.stringify(config[key]) === JSON.stringify(deployed[key])) continue;
      if (key === "modelshare:consumers") {
        const envs = new Set([...Object.keys(config[key] ?? {}), ...Object.keys(deployed[key] ?? {})]);
        for (const env of envs) {
          if (JSON.stringify(config[key]?.[env]) !== JSON.stringify(deployed[key]?.[env])) {
            changes.push(fakeChange(stack, "update", "aws:iam/rolePolicy:RolePolicy", `${env}-detect`, "modelshare:index:SharedModelRole"));
          }
        }
      } else if (key === "modelshare:modelVersionArn") {
        changes.push(fakeChange(stack, "update", "aws:ssm/parameter:Parameter", "model-version-arn", "modelshare:index:ConfigurationStore"));
      } else {
        changes.push(fakeChange(stack, "update", "pulumi:pulumi:Stack", `config ${key}`));
      }
    }
    changes.push(...(this.extraPreviewChanges[stack] ?? []));
    const counts: Record<string, number> = { same: 10 };
    for (const change of changes) counts[change.kind] = (counts[change.kind] ?? 0) + 1;
    return { counts, changes };
  }

  /** What a refresh-preview of each stack finds (someone edited a resource by hand); none by default. */
  readonly drift: Record<string, DriftedResource[]> = {};

  async refreshPreview(stack: string, onOutput?: (chunk: string) => void): Promise<readonly DriftedResource[]> {
    await this.check("preview", stack);
    if (this.deployed[stack] === undefined) throw new StackNotDeployedError(stack);
    onOutput?.(`Previewing update (${stack})\n  refreshing\n`);
    return this.drift[stack] ?? [];
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    await this.check("outputs", stack);
    const deployed = this.deployed[stack];
    if (deployed === undefined) throw new StackNotDeployedError(stack);
    if (deployed["modelshare:stackKind"] === "consumer") {
      const env = deployed["modelshare:environment"];
      const copy = deployed["modelshare:copy"];
      return {
        [CONSUMER_OUTPUTS.environment]: env,
        [CONSUMER_OUTPUTS.modelVersionArn]: deployed["modelshare:modelVersionArn"],
        ...(copy ? { [CONSUMER_OUTPUTS.copy]: { projectArn: destinationProject(env), outputBucketName: copy.outputBucketName, outputPrefix: copy.outputPrefix ?? "modelshare-copies/", calledVersionArn: this.world.calledCopy(env) ?? "none", versions: listedCopies(deployed) } } : {}),
      };
    }
    const consumers = (deployed["modelshare:consumers"] ?? {}) as Record<string, { grantedVersions?: string[]; sharing?: string }>;
    const copying = Object.entries(consumers).filter(([, c]) => c.sharing === "copy");
    return {
      [ML_OUTPUTS.projectArn]: PROJECT_ARN,
      [ML_OUTPUTS.sharedRoleArns]: Object.fromEntries(Object.keys(consumers).filter((env) => consumers[env].sharing !== "copy").map((env) => [env, SHARED_ROLE(env)])),
      [ML_OUTPUTS.grantedVersions]: Object.fromEntries(Object.entries(consumers).map(([env, c]) => [env, c.grantedVersions ?? []])),
      ...(copying.length > 0
        ? {
            [ML_COPY_OUTPUTS.sharing]: Object.fromEntries(Object.entries(consumers).map(([env, c]) => [env, c.sharing ?? "share"])),
            [ML_COPY_OUTPUTS.projectPolicies]: Object.fromEntries(copying.map(([env, c]) => [env, plannedCopyPolicy(env, c.grantedVersions ?? [])])),
          }
        : {}),
      [ML_PROMOTION_OUTPUTS.promotionLeaseTable]: promotionLeaseTableName(deployed["modelshare:rolePrefix"] ?? "modelshare"),
    };
  }

  /** A copy environment's deployed view: the copy its parameter names, and the copies its stack allows. */
  deployedCopy(env: string): string | undefined {
    return this.world.calledCopy(env);
  }

  copyAllows(env: string): string[] {
    return this.world.copyAllows[env] ?? [];
  }

  /** Deployed view: what the environment's applications call, and what its shared role may call. */
  deployedConfigured(env: string): string {
    return this.deployed[env]["modelshare:modelVersionArn"];
  }

  deployedGrants(env: string): string[] {
    return this.world.grants(env);
  }

  /** What the environment's VPC endpoint policy allows (as of its last `up`). */
  endpointAllows(env: string): string[] {
    return this.world.endpointAllows[env] ?? [];
  }

  upsOf(stack: string): number {
    return this.calls.filter((c) => c.kind === "up" && c.stack === stack).length;
  }
}

/** One `pulumi config set` on a stack file's config: block, with Pulumi's `--path` rules. */
function setConfigValue(config: Record<string, any>, key: string, value: string, path: boolean): void {
  if (!path) {
    config[key] = value;
    return;
  }
  const parsed = parseConfigPath(key);
  if (parsed.path.length === 0) {
    config[parsed.top] = value;
    return;
  }
  config[parsed.top] ??= typeof parsed.path[0] === "number" ? [] : {};
  let cursor = config[parsed.top];
  parsed.path.forEach((segment, i) => {
    const last = i === parsed.path.length - 1;
    if (typeof segment === "number" && segment > cursor.length) throw new Error(`could not set config: ${key}: array index out of range`);
    if (last) cursor[segment] = value;
    else cursor = cursor[segment] ??= typeof parsed.path[i + 1] === "number" ? [] : {};
  });
}

/** The project policy the ML program plans for a copy environment (the real builder, src/policies/projectPolicy.ts), or null. */
export function plannedCopyPolicy(env: string, granted: readonly string[]): { policyName: string; document: unknown } {
  return {
    policyName: projectPolicyName("modelshare", env),
    document: projectCopyPolicy({ partition: "aws", environment: env, consumerAccountId: consumerAccount(env), grantedVersionArns: granted }) ?? null,
  };
}

/** A change as the preview adapter reports it, with a URN like the engine's (`parent$type::name`). */
export function fakeChange(stack: string, kind: ChangeKind, type: string, name: string, parentType?: string): ResourceChange {
  return { kind, type, name, urn: `urn:pulumi:${stack}::modelshare::${parentType ? `${parentType}$` : ""}${type}::${name}` };
}

// -----------------------------------------------------------------------------------------------------------------
// AWS

/** A `secure:` value as the fake workspace decrypts it (real Pulumi ciphertext is opaque: synth never decrypts). */
export function fakeSecure(plaintext: string): { secure: string } {
  return { secure: `v1:fake:${Buffer.from(plaintext).toString("base64")}` };
}

function decryptFake(value: unknown, found: { secret: boolean }): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => decryptFake(v, found));
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string") {
    const match = /^v1:fake:(.*)$/.exec(entries[0][1]);
    if (!match) throw new Error("failed to decrypt: not a ciphertext of this stack's secrets provider");
    found.secret = true;
    return Buffer.from(match[1], "base64").toString("utf8");
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, decryptFake(v, found)]));
}

export interface ModelState {
  status: string;
  /** A copy: the version it was copied from (DescribeProjectVersions' SourceProjectVersionArn). */
  source?: string;
  minInferenceUnits?: number;
  maxInferenceUnits?: number;
  /** Describes left before a STARTING/STOPPING version settles. */
  settleAfter?: number;
}

export class AwsWorld {
  readonly rekognition = mockClient(RekognitionClient);
  readonly ssm = mockClient(SSMClient);
  readonly sts = mockClient(STSClient);
  readonly dynamodb = mockClient(DynamoDBClient);
  readonly cloudwatch = mockClient(CloudWatchClient);
  /** The model's alarms by name: a name not listed is OK, unless `missingAlarms` says it does not exist. */
  readonly alarms: Record<string, { state: "OK" | "ALARM" | "INSUFFICIENT_DATA"; reason?: string }> = {};
  readonly missingAlarms = new Set<string>();
  /** Runs before DescribeAlarms answers; may throw (CloudWatch unreachable) or hang (a run killed there). */
  beforeDescribeAlarms: (names: string[]) => Promise<void> | void = () => {};
  /** The ML account's DynamoDB tables: table name -> partition key -> item. */
  readonly tables: Record<string, Map<string, Record<string, AttributeValue>>> = {};
  /** Runs before StartProjectVersion / StopProjectVersion take effect (after the caller decided to call them). */
  beforeStart: (arn: string) => Promise<void> | void = () => {};
  beforeStop: (arn: string) => Promise<void> | void = () => {};
  /** Runs after StartProjectVersion / StopProjectVersion took effect; may throw (the response was lost) or hang. */
  afterStart: (arn: string) => Promise<void> | void = () => {};
  afterStop: (arn: string) => Promise<void> | void = () => {};
  failDynamo?: (command: string) => Error | undefined;
  readonly models: Record<string, ModelState> = {};
  readonly parameters: Record<string, string[]> = {};
  readonly starts: string[] = [];
  readonly stops: string[] = [];
  onChange: () => void = () => {};
  failStart?: (arn: string) => Error | undefined;
  failStop?: (arn: string) => Error | undefined;
  /** After StartProjectVersion the version ends FAILED instead of RUNNING. */
  startEndsFailed?: (arn: string) => boolean;
  /** How many DescribeProjectVersions see a version STOPPING before it is STOPPED (a real stop takes minutes). */
  stopPolls = 1;
  /** Copy mode: the ML project's project policies (name -> document text, revision), as Rekognition keeps them. */
  readonly projectPolicies: Record<string, { document: string; revision: string }> = {};
  private revisions = 0;
  readonly copies: string[] = [];
  readonly deletions: string[] = [];
  /** Runs before / after CopyProjectVersion and DeleteProjectVersion take effect; may throw or hang (fault injection). */
  beforeCopy: (source: string) => Promise<void> | void = () => {};
  afterCopy: (copy: string) => Promise<void> | void = () => {};
  beforeDelete: (arn: string) => Promise<void> | void = () => {};
  afterDelete: (arn: string) => Promise<void> | void = () => {};
  /** Runs before PutProjectPolicy / DeleteProjectPolicy check the revision (someone else's write in between). */
  beforePolicyWrite: (name: string) => void = () => {};
  /** How many DescribeProjectVersions see a copy COPYING_IN_PROGRESS before it is COPYING_COMPLETED. */
  copyPolls = 2;
  /** The copy ends COPYING_FAILED instead. */
  copyEndsFailed?: (source: string) => boolean;

  constructor(initial: Record<string, string>) {
    for (const [arn, status] of Object.entries(initial)) this.models[arn] = { status, ...(status === "RUNNING" ? { minInferenceUnits: 1 } : {}) };
    this.rekognition.on(DescribeProjectVersionsCommand).callsFake((input) => {
      const names: string[] | undefined = input.VersionNames;
      // A project ARN is .../project/NAME/TIMESTAMP; its versions are .../project/NAME/version/...
      const project = String(input.ProjectArn ?? "").replace(/\/\d+$/, "/version/");
      const descriptions = Object.entries(this.models)
        .filter(([arn]) => arn.startsWith(project) && (names === undefined || names.some((n) => arn.includes(`/version/${n}/`))))
        .map(([arn, state]) => {
          this.settle(arn, state);
          return { ProjectVersionArn: arn, Status: state.status, MinInferenceUnits: state.minInferenceUnits, MaxInferenceUnits: state.maxInferenceUnits, ...(state.source ? { SourceProjectVersionArn: state.source } : {}) };
        });
      return { ProjectVersionDescriptions: descriptions };
    });
    this.mockCopies();
    this.rekognition.on(StartProjectVersionCommand).callsFake(async (input) => {
      const arn = input.ProjectVersionArn as string;
      await this.beforeStart(arn);
      const error = this.failStart?.(arn);
      if (error) throw error;
      // Like Rekognition: a version that is starting, running or stopping cannot be started.
      if (["STARTING", "RUNNING", "STOPPING"].includes(this.status(arn))) throw resourceInUse(`${arn} is ${this.status(arn)}`);
      this.starts.push(arn);
      this.models[arn] = { ...(this.models[arn]?.source ? { source: this.models[arn].source } : {}), status: "STARTING", minInferenceUnits: input.MinInferenceUnits, maxInferenceUnits: input.MaxInferenceUnits, settleAfter: 2 };
      this.onChange();
      await this.afterStart(arn);
      return { Status: "STARTING" };
    });
    this.rekognition.on(StopProjectVersionCommand).callsFake(async (input) => {
      const arn = input.ProjectVersionArn as string;
      await this.beforeStop(arn);
      const error = this.failStop?.(arn);
      if (error) throw error;
      if (!["STARTING", "RUNNING"].includes(this.status(arn))) throw resourceInUse(`${arn} is ${this.status(arn)}`);
      this.stops.push(arn);
      this.models[arn] = { ...this.models[arn], status: "STOPPING", settleAfter: this.stopPolls };
      this.onChange();
      await this.afterStop(arn);
      return { Status: "STOPPING" };
    });
    this.ssm.on(PutParameterCommand).callsFake((input) => {
      (this.parameters[input.Name] ??= []).push(input.Value);
      this.onChange();
      return { Version: this.parameters[input.Name].length };
    });
    this.ssm.on(GetParameterHistoryCommand).callsFake((input) => {
      const values = this.parameters[input.Name];
      if (!values) throw new ParameterNotFound({ message: "ParameterNotFound", $metadata: {} });
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = values.slice(start, start + (input.MaxResults ?? 50));
      const next = start + page.length < values.length ? String(start + page.length) : undefined;
      return { Parameters: page.map((Value, i) => ({ Name: input.Name, Value, Version: start + i + 1 })), NextToken: next };
    });
    this.sts.on(AssumeRoleCommand).callsFake((input) => ({
      Credentials: { AccessKeyId: "AKIA", SecretAccessKey: "secret", SessionToken: `session-for-${input.RoleArn}`, Expiration: new Date(Date.now() + 3600_000) },
    }));
    this.sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ML_ACCOUNT}:assumed-role/modelshare-pipeline/ci` });
    this.tables[promotionLeaseTableName("modelshare")] = new Map();
    this.mockDynamo();
    this.cloudwatch.on(DescribeAlarmsCommand).callsFake(async (input) => {
      const names: string[] = input.AlarmNames ?? [];
      await this.beforeDescribeAlarms(names);
      return {
        MetricAlarms: names
          .filter((name) => !this.missingAlarms.has(name))
          .map((name) => ({ AlarmName: name, StateValue: this.alarms[name]?.state ?? "OK", StateReason: this.alarms[name]?.reason ?? "Threshold Crossed: no datapoints were received", StateUpdatedTimestamp: new Date(Date.parse("2025-03-01T10:00:00Z")) })),
      };
    });
  }

  /**
   * CopyProjectVersion authorized like Rekognition does across accounts: a project policy of the source project must
   * let the destination's account copy that version; the copy is COPYING_IN_PROGRESS for `copyPolls` describes.
   * DeleteProjectVersion refuses a version that runs. Project policies keep a revision that conditional writes check.
   */
  private mockCopies(): void {
    this.rekognition.on(CopyProjectVersionCommand).callsFake(async (input) => {
      const source = String(input.SourceProjectVersionArn);
      const destination = String(input.DestinationProjectArn);
      await this.beforeCopy(source);
      const account = destination.split(":")[4];
      const allowed = Object.values(this.projectPolicies).some(({ document }) => {
        const statements = (JSON.parse(document) as { Statement: { Effect: string; Principal: { AWS: string }; Action: string; Resource: string | string[] }[] }).Statement;
        return statements.some((st) => st.Effect === "Allow" && st.Principal.AWS === `arn:aws:iam::${account}:root` && st.Action === "rekognition:CopyProjectVersion" && ([] as string[]).concat(st.Resource).includes(source));
      });
      if (!allowed) throw accessDenied(`account ${account} may not copy ${source}: no project policy allows it`);
      if (this.models[source] === undefined) throw Object.assign(new Error(`${source} not found`), { name: "ResourceNotFoundException" });
      const copy = `${destination.replace(/\/\d+$/, "")}/version/${input.VersionName}/${1730500000000 + this.copies.length}`;
      if (this.models[copy] !== undefined || Object.keys(this.models).some((arn) => arn.includes(`/version/${input.VersionName}/`) && arn.startsWith(destination.replace(/\/\d+$/, "")))) {
        throw Object.assign(new Error(`a version named ${input.VersionName} exists`), { name: "ResourceInUseException" });
      }
      this.copies.push(copy);
      this.models[copy] = { status: "COPYING_IN_PROGRESS", source, settleAfter: this.copyPolls };
      this.onChange();
      await this.afterCopy(copy);
      return { ProjectVersionArn: copy };
    });
    this.rekognition.on(DeleteProjectVersionCommand).callsFake(async (input) => {
      const arn = String(input.ProjectVersionArn);
      await this.beforeDelete(arn);
      if (this.models[arn] === undefined) throw Object.assign(new Error(`${arn} not found`), { name: "ResourceNotFoundException" });
      if (["STARTING", "RUNNING", "STOPPING", "COPYING_IN_PROGRESS"].includes(this.status(arn))) throw resourceInUse(`${arn} is ${this.status(arn)}`);
      this.deletions.push(arn);
      delete this.models[arn];
      this.onChange();
      await this.afterDelete(arn);
      return { Status: "DELETING" };
    });
    this.rekognition.on(ListProjectPoliciesCommand).callsFake(() => ({
      ProjectPolicies: Object.entries(this.projectPolicies).map(([name, p]) => ({ PolicyName: name, PolicyDocument: p.document, PolicyRevisionId: p.revision })),
    }));
    const revisionCheck = (name: string, revision: string | undefined) => {
      this.beforePolicyWrite(name);
      const current = this.projectPolicies[name];
      if ((current === undefined) !== (revision === undefined) || (current && current.revision !== revision)) {
        throw Object.assign(new Error(`revision ${revision} of ${name} is not the current one`), { name: "InvalidPolicyRevisionIdException" });
      }
    };
    this.rekognition.on(PutProjectPolicyCommand).callsFake((input) => {
      revisionCheck(String(input.PolicyName), input.PolicyRevisionId);
      this.projectPolicies[String(input.PolicyName)] = { document: String(input.PolicyDocument), revision: `r${++this.revisions}` };
      this.onChange();
      return { PolicyRevisionId: `r${this.revisions}` };
    });
    this.rekognition.on(DeleteProjectPolicyCommand).callsFake((input) => {
      revisionCheck(String(input.PolicyName), input.PolicyRevisionId);
      delete this.projectPolicies[String(input.PolicyName)];
      this.onChange();
      return {};
    });
  }

  /** The versions a copy environment's project policy lets its account copy (none without a policy). */
  copyableBy(env: string): string[] {
    const policy = this.projectPolicies[`modelshare-copy-${env}`];
    if (!policy) return [];
    return (JSON.parse(policy.document) as { Statement: { Resource: string | string[] }[] }).Statement.flatMap((st) => ([] as string[]).concat(st.Resource)).sort();
  }

  /** DynamoDB with the semantics the lease relies on: conditional writes, evaluated on the stored item. */
  private mockDynamo(): void {
    const table = (name: string | undefined, command: string) => {
      const error = this.failDynamo?.(command);
      if (error) throw error;
      const found = this.tables[name ?? ""];
      if (!found) throw new ResourceNotFoundException({ message: `Requested resource not found: Table: ${name} not found`, $metadata: {} });
      return found;
    };
    const keyOf = (key: Record<string, AttributeValue> | undefined) => String(key?.pk?.S);
    const check = (input: ConditionalInput, item: Record<string, AttributeValue> | undefined, returnOld: boolean) => {
      if (input.ConditionExpression !== undefined && !evaluateCondition(input.ConditionExpression, item, input.ExpressionAttributeNames ?? {}, input.ExpressionAttributeValues ?? {})) {
        throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {}, ...(returnOld && item ? { Item: item } : {}) });
      }
    };
    this.dynamodb.on(PutItemCommand).callsFake((input) => {
      const items = table(input.TableName, "PutItem");
      const key = keyOf(input.Item);
      check(input, items.get(key), input.ReturnValuesOnConditionCheckFailure === "ALL_OLD");
      items.set(key, { ...input.Item });
      this.onChange();
      return {};
    });
    this.dynamodb.on(UpdateItemCommand).callsFake((input) => {
      const items = table(input.TableName, "UpdateItem");
      const key = keyOf(input.Key);
      const item = items.get(key);
      check(input, item, false);
      const updated = { ...(item ?? input.Key) };
      for (const assignment of String(input.UpdateExpression).replace(/^SET\s+/, "").split(",")) {
        const [name, value] = assignment.split("=").map((x) => x.trim());
        updated[input.ExpressionAttributeNames?.[name] ?? name] = input.ExpressionAttributeValues?.[value] as AttributeValue;
      }
      items.set(key, updated);
      this.onChange();
      return {};
    });
    this.dynamodb.on(DeleteItemCommand).callsFake((input) => {
      const items = table(input.TableName, "DeleteItem");
      const key = keyOf(input.Key);
      check(input, items.get(key), false);
      items.delete(key);
      this.onChange();
      return {};
    });
    this.dynamodb.on(GetItemCommand).callsFake((input) => {
      const item = table(input.TableName, "GetItem").get(keyOf(input.Key));
      return item ? { Item: item } : {};
    });
  }

  /** The lease item as stored, or undefined. */
  leaseItem(): Record<string, AttributeValue> | undefined {
    return this.tables[promotionLeaseTableName("modelshare")].get("promotion");
  }

  /** AWS API calls made so far, by service. */
  callCounts(): Record<string, number> {
    return {
      rekognition: this.rekognition.calls().length,
      cloudwatch: this.cloudwatch.calls().length,
      ssm: this.ssm.calls().length,
      sts: this.sts.calls().length,
      dynamodb: this.dynamodb.calls().length,
    };
  }

  private settle(arn: string, state: ModelState): void {
    if (state.settleAfter === undefined) return;
    state.settleAfter -= 1;
    if (state.settleAfter > 0) return;
    delete state.settleAfter;
    if (state.status === "STARTING") state.status = this.startEndsFailed?.(arn) ? "FAILED" : "RUNNING";
    else if (state.status === "COPYING_IN_PROGRESS") state.status = this.copyEndsFailed?.(state.source ?? "") ? "COPYING_FAILED" : "COPYING_COMPLETED";
    else if (state.status === "STOPPING") state.status = "STOPPED";
    this.onChange();
  }

  status(arn: string): string {
    return this.models[arn]?.status ?? "NOT_FOUND";
  }

  restore(): void {
    this.rekognition.restore();
    this.ssm.restore();
    this.sts.restore();
    this.dynamodb.restore();
    this.cloudwatch.restore();
  }
}

interface ConditionalInput {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/**
 * DynamoDB condition expressions, the subset the lease writes: `attribute_not_exists(#a)`, `attribute_exists(#a)`,
 * `#a = :v`, `#a < :v`, `#a > :v`, joined by AND / OR (AND binds tighter). Anything else throws, so a new kind of
 * condition in product code fails here instead of being silently taken as true.
 */
export function evaluateCondition(
  expression: string,
  item: Record<string, AttributeValue> | undefined,
  names: Record<string, string>,
  values: Record<string, AttributeValue>,
): boolean {
  const attribute = (token: string) => item?.[names[token] ?? token];
  const scalar = (value: AttributeValue | undefined) => (value === undefined ? undefined : value.N !== undefined ? Number(value.N) : value.S);
  const term = (text: string): boolean => {
    const fn = /^attribute_(not_)?exists\((#?\w+)\)$/.exec(text);
    if (fn) return (attribute(fn[2]) === undefined) === (fn[1] !== undefined);
    const comparison = /^(#?\w+)\s*(=|<|>)\s*(:\w+)$/.exec(text);
    if (!comparison) throw new Error(`unsupported condition term: ${text}`);
    const left = scalar(attribute(comparison[1]));
    const right = scalar(values[comparison[3]]);
    if (left === undefined || right === undefined) return false;
    return comparison[2] === "=" ? left === right : comparison[2] === "<" ? left < right : left > right;
  };
  return expression.split(/\s+OR\s+/).some((alternative) => alternative.split(/\s+AND\s+/).every((t) => term(t.trim())));
}

function resourceInUse(message: string): Error {
  const error = new Error(message);
  error.name = "ResourceInUseException";
  return error;
}

/** An error shaped like the SDK's AccessDeniedException (HTTP 403). */
export function accessDenied(message = "not authorized"): Error {
  const error = new Error(message);
  error.name = "AccessDeniedException";
  (error as Error & { $metadata: unknown }).$metadata = { httpStatusCode: 403 };
  return error;
}

/**
 * The smoke test through the deployed world: the call succeeds only if the version is granted to the environment
 * in the deployed ML stack and RUNNING; a new grant takes `propagationCalls` more calls to apply, like IAM.
 */
export class WorldSmokeTester implements SmokeTester {
  readonly calls: SmokeTestRequest[] = [];
  propagationCalls = 0;
  labels: DetectedLabel[] = [{ name: "scratch", confidence: 91.5 }];
  private readonly seenGrant = new Map<string, number>();

  constructor(
    readonly workspace: FakeWorkspace,
    readonly aws: AwsWorld,
  ) {}

  beforeCall: () => void = () => {};

  /** Copy mode: a direct call (no shared role) on a copy the environment's deployed stack lists, which must run. */
  private async detectOnCopy(request: SmokeTestRequest): Promise<readonly DetectedLabel[]> {
    if (request.sharedRoleArn !== undefined) throw accessDenied(`a copy environment has no shared role; got ${request.sharedRoleArn}`);
    if (!this.workspace.copyAllows(request.environment).includes(request.modelVersionArn)) throw accessDenied(`${request.modelVersionArn} is not one of ${request.environment}'s listed copies`);
    if (this.aws.status(request.modelVersionArn) !== "RUNNING") throw Object.assign(new Error(`${request.modelVersionArn} is ${this.aws.status(request.modelVersionArn)}`), { name: "ModelNotRunningError" });
    return this.labels;
  }

  async detectLabels(request: SmokeTestRequest): Promise<readonly DetectedLabel[]> {
    this.calls.push(request);
    this.beforeCall();
    if (this.workspace.world.copying(request.environment)) return this.detectOnCopy(request);
    if (request.sharedRoleArn !== SHARED_ROLE(request.environment)) throw accessDenied(`wrong shared role ${request.sharedRoleArn}`);
    if (!this.workspace.deployedGrants(request.environment).includes(request.modelVersionArn)) {
      const error = new Error(`DetectCustomLabels on ${request.modelVersionArn} was denied`);
      error.name = "NotGrantedError";
      throw error;
    }
    const key = `${request.environment} ${request.modelVersionArn}`;
    const seen = (this.seenGrant.get(key) ?? 0) + 1;
    this.seenGrant.set(key, seen);
    if (seen <= this.propagationCalls) throw accessDenied("the new grant has not propagated yet");
    if (this.aws.status(request.modelVersionArn) !== "RUNNING") {
      const error = new Error(`${request.modelVersionArn} is ${this.aws.status(request.modelVersionArn)}`);
      error.name = "ModelNotRunningError";
      throw error;
    }
    return this.labels;
  }
}

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
}

/**
 * A clock whose sleeps advance it at once: backoff and deadlines are tested without waiting. A sleep still yields a
 * few real milliseconds (a thousandth of the time slept, at most 5 ms), so that a run waiting for the lease lets the
 * run that holds it make progress, as it would in real time.
 */
export function fakeClock(start = Date.parse("2025-03-01T10:00:00Z")): Clock {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: async (ms) => {
      sleeps.push(ms);
      time += ms;
      await new Promise((done) => setTimeout(done, Math.min(5, Math.floor(ms / 1000))));
    },
    sleeps,
  };
}

/** Lease timing for tests: as in production, but a waiting run gives up only after two hours (of fake time). */
export const TEST_LEASE_TIMING = { ...DEFAULT_LEASE_TIMING, waitMs: 2 * 3600_000 };

export function recordingProgress(lines: string[], onEvent: () => void = () => {}): Progress {
  return {
    step: (id, detail) => {
      lines.push(`step ${id}: ${detail}`);
      onEvent();
    },
    waiting: (what) => lines.push(`waiting ${what}`),
    done: (id, outcome) => {
      lines.push(`done ${id}: ${outcome}`);
      onEvent();
    },
  };
}

export interface TestContextOptions {
  readonly dir: string;
  readonly workspace: StackWorkspace;
  readonly smokeTester: SmokeTester;
  readonly clock: Clock;
  readonly progress: Progress;
  readonly liveness?: Liveness;
  readonly out?: string[];
  readonly err?: string[];
  readonly commandLine?: string;
  /** Called when the command asks for the workspace (a dry run must not). */
  readonly onWorkspace?: () => void;
  /** Whether a person can answer prompts; default true, and `confirm` says yes (as an operator at a terminal would). */
  readonly interactive?: boolean;
  readonly confirm?: (question: string) => Promise<boolean>;
}

export function testContext(options: TestContextOptions): CliContext {
  const stateDir = join(options.dir, ".modelshare");
  mkdirSync(stateDir, { recursive: true });
  return {
    projectDir: options.dir,
    stateDir,
    now: options.clock.now,
    sleep: options.clock.sleep,
    stdout: (text) => options.out?.push(text),
    stderr: (text) => options.err?.push(text),
    progress: options.progress,
    workspace: async () => {
      options.onWorkspace?.();
      return options.workspace;
    },
    rekognition: (region) => new RekognitionClient({ region }),
    sts: (region) => new STSClient({ region }),
    ssm: (region, credentials) => new SSMClient({ region, ...(credentials ? { credentials } : {}) }),
    dynamodb: (region) => new DynamoDBClient({ region }),
    cloudwatch: (region) => new CloudWatchClient({ region }),
    leaseTiming: TEST_LEASE_TIMING,
    smokeTester: options.smokeTester,
    liveness: options.liveness ?? (() => false),
    modelTiming: {
      start: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 5 },
      stop: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 5 },
      copy: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 5 },
    },
    commandLine: options.commandLine ?? "modelshare promote (test)",
    interactive: options.interactive ?? true,
    confirm: options.confirm ?? (async () => true),
  };
}
