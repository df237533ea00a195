/**
 * Benchmark of `modelshare synth` at 10, 50 and 200 consumer environments (issue 3): synth + check, next to a floor
 * of the same number of resources registered under the same mocks with no program logic. Also checks that an
 * oversized grant stops synth with the budget error and that the SCPs do not grow with the number of environments.
 *
 *   npx ts-node --transpile-only bench/synth.ts [--no-matrix]     (bench/index.ts calls benchSynth())
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { rawConfigFromFlat } from "../src/config/raw";
import { parseMlConfig } from "../src/config/schema";
import { BudgetError } from "../src/errors";
import { buildAccessMatrix, loadSimulator, summarizeByCategory } from "../src/matrix";
import { checkMlBudgets, planMl } from "../src/plan";
import { policySize, PolicyDocument } from "../src/policies/document";
import { checkSynthesized } from "../src/rules";
import { installMocks, promiseOf, ResourceRecorder, settle } from "../src/synth/mocks";
import { withoutStackTraces } from "../src/synth/quietStackTraces";
import { loadStackFiles, PROJECT_NAME, stackReferenceViewFor, synthesize, SynthesizedStack } from "../src/synth/run";

export interface BenchResult {
  name: string;
  seconds: number;
  limitSeconds: number;
  ok: boolean;
  detail: string;
}

export const SIZES = [10, 50, 200] as const;
/** Targets of issue 3, on the project's 2-core machine. */
export const TARGETS = { seconds200: 30, ratioToFloor: 1.5, growthSlack: 1.5 } as const;

const ML_ACCOUNT = "111111111111";
const REGION = "us-east-1";
const PROJECT = "defect-detector";
const GRANTS_PER_ENVIRONMENT = 10;
/** Model versions known to the ML stack: more than one environment's grant, so some rows are "not granted". */
const VERSION_POOL = 12;

function versionArn(index: number): string {
  return `arn:aws:rekognition:${REGION}:${ML_ACCOUNT}:project/${PROJECT}/version/${PROJECT}.v${String(index).padStart(3, "0")}/${1700000000000 + index * 1000}`;
}

function environmentName(index: number): string {
  return `env${String(index).padStart(3, "0")}`;
}

function consumerAccount(index: number): string {
  return String(200000000000 + index);
}

/**
 * The ML stack's `config:` map for `environments` consumers, each granted `grants` versions of the pool (a
 * rotating window, so environments differ); `oversized` grants one environment `oversized` versions instead.
 */
export function mlFileConfig(environments: number, grants: number, oversized?: number): Record<string, unknown> {
  const pool = Math.max(VERSION_POOL, oversized ?? 0);
  const versions = Array.from({ length: pool }, (_, i) => versionArn(i));
  const consumers: Record<string, unknown> = {};
  for (let i = 0; i < environments; i++) {
    const count = i === 0 && oversized !== undefined ? oversized : grants;
    const granted = Array.from({ length: count }, (_, k) => versions[(i + k) % pool]);
    consumers[environmentName(i)] = {
      accountId: consumerAccount(i),
      organizationalUnitIds: ["ou-ab12-consumers"],
      applicationPrincipalArns: [`arn:aws:iam::${consumerAccount(i)}:role/modelshare/modelshare-${environmentName(i)}-app`],
      grantedVersions: granted,
    };
  }
  return {
    "aws:region": REGION,
    "modelshare:stackKind": "ml",
    "modelshare:mlAccountId": ML_ACCOUNT,
    "modelshare:organizationId": "o-a1b2c3d4e5",
    "modelshare:pipelineRoleArn": `arn:aws:iam::${ML_ACCOUNT}:role/modelshare-pipeline`,
    "modelshare:model": { projectArn: `arn:aws:rekognition:${REGION}:${ML_ACCOUNT}:project/${PROJECT}/1714387200000`, versions },
    "modelshare:consumers": consumers,
    "modelshare:guardrail": {
      managementRoleArn: "arn:aws:iam::999999999999:role/modelshare-scp-admin",
      consumerTargetIds: ["ou-ab12-consumers"],
      consumerDeployRoleNames: ["modelshare-deploy"],
    },
  };
}

export function consumerFileConfig(index: number, modelVersionArn: string): Record<string, unknown> {
  const cidr = `10.${index % 250}.0.0/16`;
  return {
    "aws:region": REGION,
    "modelshare:stackKind": "consumer",
    "modelshare:environment": environmentName(index),
    "modelshare:accountId": consumerAccount(index),
    "modelshare:deployRoleArn": `arn:aws:iam::${consumerAccount(index)}:role/modelshare-deploy`,
    "modelshare:mlStack": "organization/modelshare/ml",
    "modelshare:modelVersionArn": modelVersionArn,
    "modelshare:network": { vpcCidr: cidr, allowedCidrs: [cidr] },
  };
}

/** The most versions per environment (up to `wanted`) for which the ML plan fits every quota. */
export function grantsWithinBudgets(environments: number, wanted: number): number {
  for (let grants = wanted; grants > 0; grants--) {
    const config = parseMlConfig(rawConfigFromFlat(mlFileConfig(environments, grants)), "generated ML config");
    if (checkMlBudgets(planMl(config), config.quotas, config.guardrail.existingPoliciesPerTarget).length === 0) return grants;
  }
  return 0;
}

/** Writes the Pulumi.<stack>.yaml files of a generated configuration into `dir`. */
export function writeConfiguration(dir: string, environments: number, options: { grants: number; oversized?: number }): void {
  mkdirSync(dir, { recursive: true });
  const ml = mlFileConfig(environments, options.grants, options.oversized);
  // Repeated version lists would become YAML anchors and aliases; the yaml parser caps those.
  writeFileSync(path.join(dir, "Pulumi.ml.yaml"), stringify({ config: ml }, { aliasDuplicateObjects: false }));
  const consumers = ml["modelshare:consumers"] as Record<string, { grantedVersions: string[] }>;
  for (let i = 0; i < environments; i++) {
    writeFileSync(path.join(dir, `Pulumi.${environmentName(i)}.yaml`), stringify({ config: consumerFileConfig(i, consumers[environmentName(i)].grantedVersions[0]) }));
  }
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** synth + check of one configuration directory, as `modelshare synth` runs them. */
async function synthAndCheck(dir: string): Promise<{ stacks: SynthesizedStack[]; seconds: number; findings: number }> {
  const start = process.hrtime.bigint();
  const stacks = await withoutStackTraces(() => synthesize(loadStackFiles(dir)));
  const checks = await checkSynthesized(stacks);
  return { stacks, seconds: seconds(start), findings: checks.findings.length };
}

const BARE_TYPE = "modelshare:bench:Bare";

/** A resource with no program behind it: what registering one costs by itself. */
class BareResource extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: Record<string, unknown>) {
    super(type, name, inputs);
  }
}

/** A component with no children and no outputs: what registering a component costs by itself. */
class BareComponent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("modelshare:bench:BareComponent", name);
  }
}

const FLOOR_MODES = ["bare", "inputs", "typed"] as const;
type FloorMode = (typeof FLOOR_MODES)[number];
/** Repetitions of each measurement (the median is reported): more for small sizes, whose runs are short and noisy. */
function repetitionsFor(size: number): number {
  return size <= 50 ? 7 : 3;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

type AwsResourceClass = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

/** The @pulumi/aws class of a type token such as aws:iam/role:Role (aws.iam.Role), when there is one. */
function awsResourceClass(type: string): AwsResourceClass | undefined {
  const match = /^aws:([a-z0-9]+)\/[^:]+:([A-Za-z0-9]+)$/.exec(type);
  if (!match) return undefined;
  const candidate = (aws as unknown as Record<string, Record<string, unknown> | undefined>)[match[1]]?.[match[2]];
  return (candidate as { __pulumiType?: string } | undefined)?.__pulumiType === type ? (candidate as AwsResourceClass) : undefined;
}

/**
 * The floor: for every synthesized stack, the mocks installed the same way and the same number of resources
 * registered with no program logic (no config, no components' wiring, no dependencies between resources).
 * - `bare`: plain resources without inputs;
 * - `inputs`: plain resources with each resource's type and inputs (what Pulumi must serialize anyway);
 * - `typed`: every resource as itself: the same @pulumi/aws classes, providers and StackReferences (reading the
 *   same ML outputs) with the same inputs, and the same data-source calls (the deploy-time lookups); what Pulumi
 *   does for them (an Output per declared output property, a StackReference's outputs, an invoke's round trip) no
 *   program that uses them can avoid.
 */
async function floor(stacks: readonly SynthesizedStack[], mode: FloorMode): Promise<number> {
  const recorder = new ResourceRecorder({ account: "000000000000", region: REGION });
  // The typed floor's StackReferences read what synth's read: the ML outputs, each consumer its own view of them.
  for (const stack of stacks) if (stack.config.stackKind === "ml") recorder.stackOutputs.set(`organization/${PROJECT_NAME}/${stack.stack}`, stack.outputs);
  const start = process.hrtime.bigint();
  await withoutStackTraces(async () => {
    for (const stack of stacks) {
      recorder.reset();
      recorder.stackReferenceView = stackReferenceViewFor(stack.config);
      await installMocks(recorder, PROJECT_NAME, stack.stack);
      const resources = stack.resources.map((r, i): pulumi.Resource => {
        if (!r.type.startsWith("aws:") && !r.type.startsWith("pulumi:")) return new BareComponent(`bare-${i}`);
        if (mode === "typed") {
          const resourceClass = awsResourceClass(r.type);
          if (resourceClass) return new resourceClass(`bare-${i}`, r.inputs);
          // Providers' non-string inputs were recorded as the JSON strings the provider receives: passed as is.
          if (r.type === "pulumi:providers:aws") return new aws.Provider(`bare-${i}`, r.inputs);
          if (r.type === "pulumi:pulumi:StackReference") return new pulumi.StackReference(`bare-${i}`, { name: String(r.inputs.name) });
        }
        const type = r.type.startsWith("aws:") && mode !== "bare" ? r.type : BARE_TYPE;
        return new BareResource(type, `bare-${i}`, mode !== "bare" ? r.inputs : {});
      });
      // The same AWS lookups (data sources) the program made: a program that must ask AWS cannot avoid them either.
      if (mode === "typed") await Promise.all((stack.lookups ?? []).map((l) => pulumi.runtime.invoke(l.token, l.inputs).catch(() => undefined)));
      await Promise.all(resources.map((r) => promiseOf(r.urn)));
      await settle();
    }
  });
  return seconds(start);
}

function scpSizes(stacks: readonly SynthesizedStack[]): number[] {
  const ml = stacks.find((s) => s.config.stackKind === "ml");
  return (ml?.resources ?? [])
    .filter((r) => r.type === "aws:organizations/policy:Policy" && typeof r.inputs.content === "string")
    .map((r) => policySize(JSON.parse(r.inputs.content as string) as PolicyDocument))
    .sort((a, b) => a - b);
}

export interface BenchOptions {
  readonly sizes?: readonly number[];
  /**
   * Also time the access matrix, which `modelshare synth` builds after the checks, and report its rows per
   * red-team category. Target: 200 environments within TARGETS.seconds200. @default true
   */
  readonly matrix?: boolean;
  readonly log?: (line: string) => void;
}

export async function benchSynth(options: BenchOptions = {}): Promise<BenchResult[]> {
  const sizes = options.sizes ?? SIZES;
  const log = options.log ?? (() => {});
  const workDir = mkdtempSync(path.join(tmpdir(), "modelshare-bench-"));
  const results: BenchResult[] = [];
  try {
    // Warm-up: module loading and JIT would otherwise be billed to the first size.
    const warmDir = path.join(workDir, "warm-up");
    writeConfiguration(warmDir, 5, { grants: 5 });
    const warm = await synthAndCheck(warmDir);
    for (const mode of FLOOR_MODES) await floor(warm.stacks, mode);

    const measured: { size: number; seconds: number; floorTyped: number; scps: number[]; stacks: SynthesizedStack[] }[] = [];
    for (const size of sizes) {
      const dir = path.join(workDir, `envs-${size}`);
      const grants = grantsWithinBudgets(size, GRANTS_PER_ENVIRONMENT);
      writeConfiguration(dir, size, { grants });
      // Medians of interleaved repetitions: one run of each is at the mercy of when the garbage collector runs.
      const synthTimes: number[] = [];
      const floors: Record<FloorMode, number[]> = { bare: [], inputs: [], typed: [] };
      let run: Awaited<ReturnType<typeof synthAndCheck>> | undefined;
      const repetitions = repetitionsFor(size);
      for (let repetition = 0; repetition < repetitions; repetition++) {
        run = await synthAndCheck(dir);
        synthTimes.push(run.seconds);
        for (const mode of FLOOR_MODES) floors[mode].push(await floor(run.stacks, mode));
      }
      if (!run) throw new Error("no repetition ran");
      const synthSeconds = median(synthTimes);
      const [floorBare, floorInputs, floorTyped] = FLOOR_MODES.map((mode) => median(floors[mode]));
      const resources = run.stacks.reduce((n, s) => n + s.resources.length, 0);
      const ratio = synthSeconds / floorTyped;
      log(`${size} environments: synth+check ${synthSeconds.toFixed(2)} s (median of ${repetitions}; ${resources} resources, ${grants} grants each, ${run.findings} findings); floors: typed ${floorTyped.toFixed(2)} s, plain with inputs ${floorInputs.toFixed(2)} s, bare ${floorBare.toFixed(2)} s; ratio to typed floor ${ratio.toFixed(2)}`);
      measured.push({ size, seconds: synthSeconds, floorTyped, scps: scpSizes(run.stacks), stacks: run.stacks });
      const limit = size >= 200 ? TARGETS.seconds200 : (TARGETS.seconds200 * size) / 200 + 1;
      results.push({
        name: `synth+check ${size} environments`,
        seconds: synthSeconds,
        limitSeconds: limit,
        ok: run.findings === 0 && synthSeconds <= limit,
        detail: `median of ${repetitions}; ${resources} resources, ${grants} grants per environment, ${run.findings} check findings`,
      });
      results.push({
        name: `ratio to floor ${size} environments`,
        seconds: synthSeconds,
        limitSeconds: TARGETS.ratioToFloor * floorTyped,
        ok: ratio <= TARGETS.ratioToFloor,
        detail: `t / typed floor (${floorTyped.toFixed(2)} s: the same @pulumi/aws resources, inputs and lookups, no logic) = ${ratio.toFixed(2)} (target <= ${TARGETS.ratioToFloor}); against plain resources with the same inputs (${floorInputs.toFixed(2)} s): ${(synthSeconds / floorInputs).toFixed(2)}; against bare resources (${floorBare.toFixed(2)} s): ${(synthSeconds / floorBare).toFixed(2)}`,
      });
      if (options.matrix ?? true) {
        const simulator = await loadSimulator();
        const start = process.hrtime.bigint();
        const matrix = await buildAccessMatrix(run.stacks, simulator);
        const matrixSeconds = seconds(start);
        const perCategory = summarizeByCategory(matrix.rows).map((c) => `${c.category} ${c.rows}`).join(", ");
        log(`${size} environments: access matrix ${matrixSeconds.toFixed(2)} s, ${matrix.rows.length} rows (${perCategory}), ${matrix.mismatches} mismatches`);
        results.push({
          name: `access matrix ${size} environments`,
          seconds: matrixSeconds,
          limitSeconds: TARGETS.seconds200,
          ok: matrix.mismatches === 0 && matrixSeconds <= TARGETS.seconds200,
          detail: `${matrix.rows.length} rows: ${perCategory}; ${matrix.mismatches} mismatches`,
        });
      }
      // Keep only what the later comparisons need.
      measured[measured.length - 1].stacks = [];
    }

    const first = measured[0];
    const last = measured[measured.length - 1];
    if (first && last && last !== first) {
      const growth = last.seconds / first.seconds;
      const linear = last.size / first.size;
      results.push({
        name: `growth ${first.size} -> ${last.size} environments`,
        seconds: last.seconds,
        limitSeconds: first.seconds * linear * TARGETS.growthSlack,
        ok: growth <= linear * TARGETS.growthSlack,
        detail: `t(${last.size})/t(${first.size}) = ${growth.toFixed(1)} for ${linear}x the environments (linear: ${linear}; typed floor grows ${(last.floorTyped / first.floorTyped).toFixed(1)}x)`,
      });
      const sizesSeen = new Set(measured.map((m) => JSON.stringify(m.scps)));
      results.push({
        name: "SCPs constant in the number of environments",
        seconds: 0,
        limitSeconds: 0,
        ok: sizesSeen.size === 1,
        detail: measured.map((m) => `${m.size} environments: SCP sizes ${m.scps.join(", ")} characters`).join("; "),
      });
    }

    // An environment granted more versions than its inline policy budget: synth must stop with BudgetError.
    const overSize = sizes[sizes.length - 1];
    const overDir = path.join(workDir, `over-budget-${overSize}`);
    writeConfiguration(overDir, overSize, { grants: grantsWithinBudgets(overSize, GRANTS_PER_ENVIRONMENT), oversized: 60 });
    const start = process.hrtime.bigint();
    let outcome: string;
    let stopped = false;
    try {
      await synthAndCheck(overDir);
      outcome = "synth did not stop";
    } catch (error) {
      stopped = error instanceof BudgetError;
      outcome = stopped ? (error as BudgetError).message.split("\n").slice(0, 2).join(" ") : `failed with ${(error as Error).name}: ${(error as Error).message}`;
    }
    const overSeconds = seconds(start);
    log(`over budget (${overSize} environments, one granted 60 versions): ${outcome}`);
    results.push({ name: `budget error at ${overSize} environments`, seconds: overSeconds, limitSeconds: TARGETS.seconds200, ok: stopped && overSeconds <= TARGETS.seconds200, detail: outcome });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  const withMatrix = !process.argv.includes("--no-matrix");
  benchSynth({ matrix: withMatrix, log: (line) => process.stderr.write(`${line}\n`) })
    .then((results) => {
      for (const r of results) {
        process.stdout.write(`${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(44)} ${r.seconds.toFixed(2).padStart(7)} s (limit ${r.limitSeconds.toFixed(2)} s)  ${r.detail}\n`);
      }
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    })
    .catch((error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    });
}
