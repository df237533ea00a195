import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { Command } from "commander";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { silentProgress } from "../src/cli/common";
import { registerDeploy } from "../src/cli/deploy";
import { CliContext, defaultCliContext } from "../src/promotion/cliContext";
import { DriftedResource, StackChanges, StackPreview, StackWorkspace } from "../src/promotion/workspace";
import { AutomationConfigValue, readStackFile, toRuntimeConfig } from "../src/config/raw";

/**
 * Benchmark of `deploy`: 20 consumer stacks against a fake workspace whose `up` takes 1 s, at concurrency 4.
 * Five waves of four make 5 s; the limit of 6 s leaves 1 s for the command itself (config loading and validation,
 * scheduling, output). Run directly: `npx ts-node --transpile-only bench/deploy.ts`.
 */

const CONSUMERS = 20;
const CONCURRENCY = 4;
const UP_SECONDS = 1;
const LIMIT_SECONDS = 6;

const ML_ACCOUNT = "111111111111";
const VERSION = `arn:aws:rekognition:us-east-1:${ML_ACCOUNT}:project/bench/version/bench.v1/1716196364000`;

/** A workspace where every update takes UP_SECONDS and nothing else happens. */
class SlowWorkspace implements StackWorkspace {
  running = 0;
  peak = 0;
  ups = 0;

  constructor(private readonly dir: string) {}

  /** What `pulumi config --json` prints for the bench's plain files. */
  async getAllConfig(stack: string): Promise<Record<string, AutomationConfigValue>> {
    const flat = toRuntimeConfig(readStackFile(join(this.dir, `Pulumi.${stack}.yaml`)));
    return Object.fromEntries(Object.entries(flat).map(([key, value]) => [key, { value }]));
  }

  async setConfig(): Promise<void> {}
  async setConfigs(): Promise<void> {}
  async removeConfig(): Promise<void> {}
  async outputs(): Promise<Record<string, unknown>> {
    return {};
  }
  /** Every stack has one change, so the deploy goes on to its updates (what the benchmark times). */
  async preview(stack: string): Promise<StackPreview> {
    return { counts: { update: 1 }, changes: [{ kind: "update", type: "aws:ssm/parameter:Parameter", name: "bench", urn: `urn:pulumi:${stack}::modelshare::aws:ssm/parameter:Parameter::bench` }] };
  }
  async refreshPreview(): Promise<readonly DriftedResource[]> {
    return [];
  }
  async up(stack: string, onOutput?: (chunk: string) => void): Promise<StackChanges> {
    this.ups++;
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    onOutput?.(`Updating (${stack})\n`);
    await new Promise((done) => setTimeout(done, UP_SECONDS * 1000));
    onOutput?.("Update complete\n");
    this.running--;
    return { same: 12 };
  }
}

function writeBenchProject(): { dir: string; consumerStacks: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "modelshare-bench-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
  const envs = Array.from({ length: CONSUMERS }, (_, i) => `c${String(i + 1).padStart(2, "0")}`);
  const account = (i: number) => String(200000000000 + i);
  const write = (stack: string, config: Record<string, unknown>) => writeFileSync(join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
  write("ml", {
    "aws:region": "us-east-1",
    "modelshare:stackKind": "ml",
    "modelshare:mlAccountId": ML_ACCOUNT,
    "modelshare:organizationId": "o-a1b2c3d4e5",
    "modelshare:pipelineRoleArn": `arn:aws:iam::${ML_ACCOUNT}:role/pipeline`,
    "modelshare:model": { projectArn: `arn:aws:rekognition:us-east-1:${ML_ACCOUNT}:project/bench/1714387200000`, versions: [VERSION] },
    "modelshare:consumers": Object.fromEntries(envs.map((env, i) => [env, { accountId: account(i), applicationPrincipalArns: [`arn:aws:iam::${account(i)}:role/app`], grantedVersions: [VERSION] }])),
    "modelshare:guardrail": { enabled: false },
  });
  envs.forEach((env, i) =>
    write(env, {
      "aws:region": "us-east-1",
      "modelshare:stackKind": "consumer",
      "modelshare:environment": env,
      "modelshare:accountId": account(i),
      "modelshare:mlStack": "organization/modelshare/ml",
      "modelshare:modelVersionArn": VERSION,
      "modelshare:network": { allowedCidrs: ["10.0.0.0/16"] },
    }),
  );
  return { dir, consumerStacks: envs };
}

export async function benchDeploy(): Promise<{ name: string; seconds: number; limitSeconds: number; ok: boolean; detail: string }> {
  const { dir, consumerStacks } = writeBenchProject();
  const workspace = new SlowWorkspace(dir);
  const summary: string[] = [];
  const context: CliContext = {
    ...defaultCliContext(dir),
    stdout: (text) => summary.push(text),
    stderr: () => undefined,
    progress: silentProgress,
    workspace: async () => workspace,
  };
  // The promotion lease and the caller identity answer at once: this measures deploy's scheduling, not AWS.
  const dynamodb = mockClient(DynamoDBClient).resolves({});
  const sts = mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:sts::${ML_ACCOUNT}:assumed-role/pipeline/bench` });
  const program = new Command("modelshare").exitOverride();
  registerDeploy(program, () => context);
  const exitCodeBefore = process.exitCode;
  const started = process.hrtime.bigint();
  try {
    await program.parseAsync(["deploy", "--stacks", consumerStacks.join(","), "--concurrency", String(CONCURRENCY), "--yes", "--json"], { from: "user" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    dynamodb.restore();
    sts.restore();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = exitCodeBefore;
  const results = (JSON.parse(summary.join("")) as { stacks: { status: string }[] }).stacks;
  const allOk = exitCode === 0 && results.length === CONSUMERS && results.every((r) => r.status === "ok");
  return {
    name: `deploy: ${CONSUMERS} consumer stacks, fake up of ${UP_SECONDS} s, concurrency ${CONCURRENCY}`,
    seconds,
    limitSeconds: LIMIT_SECONDS,
    ok: allOk && workspace.peak === CONCURRENCY && seconds <= LIMIT_SECONDS,
    detail: `${workspace.ups} ups, at most ${workspace.peak} at once, exit code ${exitCode}, ${results.filter((r) => r.status === "ok").length}/${CONSUMERS} stacks ok`,
  };
}

if (require.main === module) {
  benchDeploy().then((result) => {
    process.stdout.write(`${result.name}: ${result.seconds.toFixed(2)} s (limit ${result.limitSeconds} s) ${result.ok ? "OK" : "FAILED"} - ${result.detail}\n`);
    process.exit(result.ok ? 0 : 1);
  });
}
