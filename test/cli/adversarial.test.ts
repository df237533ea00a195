import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { main } from "../../src/cli/main";
import { crossCheckWithMl } from "../../src/config/crossStack";
import { rawConfigFromFlat, readStackFile } from "../../src/config/raw";
import { parseConsumerConfig } from "../../src/config/schema";
import { installMocks } from "../../src/synth/mocks";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";
import { withFakePulumiOnPath } from "../helpers/fakePulumi";

/**
 * Malformed configs and arguments, by class (issue 11). Each case runs the real `main` in-process against a fresh
 * copy of the example project and asserts: the exit code, that it returns within a bound (nothing hangs), that no
 * stack trace reaches the user, and that the message names the file, key or flag, the value and what is allowed.
 */

type Config = Record<string, any>;
type Stacks = Record<string, Config>;

/** A project directory: Pulumi.yaml, the example stack files (edited) and the smoke-test image they name. */
function exampleProject(edit: (stacks: Stacks, dir: string) => void = () => {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "modelshare-adversarial-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
  mkdirSync(path.join(dir, "examples"));
  copyFileSync(path.join(PROJECT_ROOT, "examples", "smoke-test.png"), path.join(dir, "examples", "smoke-test.png"));
  const stacks: Stacks = {};
  for (const stack of ["ml", "qa", "prod"]) {
    stacks[stack] = (parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Config }).config;
  }
  edit(stacks, dir);
  for (const [stack, config] of Object.entries(stacks)) writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }, { aliasDuplicateObjects: false }));
  return dir;
}

/** The copy example (examples/copy: staging copies, qa and prod share), edited, with the smoke-test image it names. */
function copyExampleProject(edit: (stacks: Stacks, dir: string) => void = () => {}): string {
  const root = mkdtempSync(path.join(tmpdir(), "modelshare-adversarial-copy-"));
  const dir = path.join(root, "copy");
  mkdirSync(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
  copyFileSync(path.join(PROJECT_ROOT, "examples", "smoke-test.png"), path.join(root, "smoke-test.png"));
  const stacks: Stacks = {};
  for (const stack of ["ml", "qa", "prod", "staging"]) {
    stacks[stack] = (parse(readFileSync(path.join(PROJECT_ROOT, "examples", "copy", `Pulumi.${stack}.yaml`), "utf8")) as { config: Config }).config;
  }
  edit(stacks, dir);
  for (const [stack, config] of Object.entries(stacks)) writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }, { aliasDuplicateObjects: false }));
  return dir;
}

const BOUND_MS = 15_000;
const STACK_TRACE = /\n\s+at .+:\d+:\d+\)?/;

/** Runs `modelshare --cwd DIR ...argv` in-process, capturing its output; fails if it does not return within the bound. */
async function run(dir: string, argv: readonly string[]): Promise<{ code: number; output: string; ms: number }> {
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  let output = "";
  const capture = ((chunk: string | Uint8Array) => ((output += String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  const before = process.exitCode;
  process.exitCode = undefined;
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      withFakePulumiOnPath(() => main(["--cwd", dir, ...argv])),
      new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error(`modelshare ${argv.join(" ")} did not return within ${BOUND_MS} ms`)), BOUND_MS))),
    ]);
    return { code, output, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.exitCode = before;
  }
}

function fifo(file: string): void {
  execFileSync("mkfifo", [file]);
}

const consumers = (s: Stacks) => s.ml["modelshare:consumers"];
const QA_ROLE = (name: string) => `arn:aws:iam::222222222222:role/${name}`;

interface Case {
  readonly what: string;
  readonly edit?: (stacks: Stacks, dir: string) => void;
  /** Which example the case edits: the top level (default) or examples/copy. */
  readonly project?: "copy";
  /** Arguments (default: synth into DIR/out). */
  readonly argv?: (dir: string) => string[];
  readonly code: number;
  /** Every one must appear in the output: the file, key or flag, the value, what is allowed. */
  readonly says: readonly (string | RegExp)[];
  /** Must never appear (a secret's ciphertext). */
  readonly never?: readonly string[];
}

const synth = (dir: string) => ["synth", "--out", path.join(dir, "out")];

const FOREIGN_VERSION = "arn:aws:rekognition:us-east-1:777777777777:project/other/version/other.v1/1727000000000";
const promoteStagingDryRun = () => ["promote", "--env", "staging", "--from", "qa", "--dry-run"];

const CASES: Record<string, readonly Case[]> = {
  "copy mode (issue 14)": [
    { what: "a copy environment in another region than the model's", project: "copy", edit: (s) => (s.staging["aws:region"] = "eu-west-1"), code: 2, says: ["Pulumi.staging.yaml", "aws:region", '"eu-west-1"', "CopyProjectVersion copies only between accounts of the same region"] },
    { what: "sharing: copy without an output location", project: "copy", edit: (s) => delete s.staging["modelshare:copy"].outputBucketName, code: 2, says: ["Pulumi.staging.yaml", "modelshare:copy.outputBucketName"] },
    { what: "a destination project name Rekognition refuses", project: "copy", edit: (s) => (s.staging["modelshare:copy"].projectName = "bad name!"), code: 2, says: ["Pulumi.staging.yaml", "modelshare:copy.projectName", '"bad name!"', "a-z A-Z 0-9 _ . -"] },
    { what: "a listed copy in another account", project: "copy", edit: (s) => (s.staging["modelshare:copy"].versions[0].copy = "arn:aws:rekognition:us-east-1:666666666666:project/defect-detector-staging/version/v1/1727000000000"), code: 2, says: ["modelshare:copy.versions[0].copy", "666666666666", "must be a version of this environment's destination project"] },
    { what: "a listed copy of a version that is not the shared model's", project: "copy", edit: (s) => (s.staging["modelshare:copy"].versions[0].source = FOREIGN_VERSION), code: 2, says: ["Pulumi.staging.yaml", "modelshare:copy.versions[0].source", "777777777777", "allowed: one of its versions"] },
    { what: "promote --dry-run of a copy environment in another region: refused before any plan", project: "copy", edit: (s) => (s.staging["aws:region"] = "eu-west-1"), argv: promoteStagingDryRun, code: 2, says: ["Pulumi.staging.yaml", "aws:region", "same region"] },
  ],
  "impossible values": [
    { what: "a CIDR octet over 255", edit: (s) => (s.qa["modelshare:network"].allowedCidrs = ["10.300.0.0/16"]), code: 2, says: ["Pulumi.qa.yaml", "modelshare:network.allowedCidrs[0]", '"10.300.0.0/16"', "each of the four octets is 0-255"] },
    { what: "a prefix over /32", edit: (s) => (s.qa["modelshare:network"].vpcCidr = "10.20.0.0/33"), code: 2, says: ["modelshare:network.vpcCidr", '"10.20.0.0/33"', "an IPv4 prefix is /0 to /32"] },
    { what: "a /0 network that is not 0.0.0.0", edit: (s) => (s.qa["modelshare:network"].allowedCidrs = ["10.0.0.0/0"]), code: 2, says: ["modelshare:network.allowedCidrs[0]", '"10.0.0.0/0"', "is the whole internet"] },
    { what: "the whole internet in two halves", edit: (s) => (s.qa["modelshare:network"].allowedCidrs = ["0.0.0.0/1", "128.0.0.0/1"]), code: 2, says: ["modelshare:network.allowedCidrs", "0.0.0.0/1", "together cover every IPv4 address"] },
    { what: "host bits set in a CIDR", edit: (s) => (s.qa["modelshare:network"].allowedCidrs = ["10.20.0.1/16"]), code: 2, says: ['"10.20.0.1/16"', "the network is 10.20.0.0/16"] },
    { what: "an AZ listed twice", edit: (s) => (s.qa["modelshare:network"].availabilityZones = ["us-east-1a", "us-east-1a"]), code: 2, says: ["modelshare:network.availabilityZones[1]", '"us-east-1a"', "is listed twice"] },
    {
      what: "a subnet listed twice",
      edit: (s) => Object.assign(s.qa["modelshare:network"], { vpcId: "vpc-0a1b2c3d", subnetIds: ["subnet-0a1b2c3d", "subnet-0a1b2c3d"], availabilityZones: undefined, vpcCidr: undefined }),
      code: 2,
      says: ["modelshare:network.subnetIds[1]", '"subnet-0a1b2c3d"', "is listed twice"],
    },
    { what: "more inference units than the CLI starts", edit: (s) => (s.ml["modelshare:promotion"].maxInferenceUnits = 5000), code: 2, says: ["modelshare:promotion.maxInferenceUnits", "5000", "at most 1000"] },
    { what: "zero inference units", edit: (s) => (s.ml["modelshare:promotion"].minInferenceUnits = 0), code: 2, says: ["modelshare:promotion.minInferenceUnits", "0", ">=1"] },
    { what: "a role prefix that makes a shared role name over 64", edit: (s) => (s.ml["modelshare:rolePrefix"] = "p".repeat(60)), code: 2, says: ["modelshare:rolePrefix", `"${"p".repeat(60)}-prod"`, "IAM allows at most 64"] },
    { what: "a role prefix with a character DynamoDB refuses", edit: (s) => (s.ml["modelshare:rolePrefix"] = "model+share"), code: 2, says: ["modelshare:rolePrefix", '"model+share"', "letters, digits, '_', '.' and '-'"] },
    { what: "a role ARN whose name is over 64", edit: (s) => consumers(s).qa.applicationPrincipalArns.push(QA_ROLE("a".repeat(65))), code: 2, says: ["modelshare:consumers.qa.applicationPrincipalArns[2]", "IAM allows at most 64"] },
    { what: "a role ARN with a character IAM refuses", edit: (s) => consumers(s).qa.applicationPrincipalArns.push(QA_ROLE("app#1")), code: 2, says: ["applicationPrincipalArns[2]", '"app#1"', "letters, digits and +=,.@_-"] },
    { what: "existingPoliciesPerTarget keyed by a non-target", edit: (s) => (s.ml["modelshare:guardrail"].existingPoliciesPerTarget = { "ou-ab12-other0001": 2 }), code: 2, says: ["modelshare:guardrail.existingPoliciesPerTarget.ou-ab12-other0001", "not a guardrail target", "ou-ab12-qa000001"] },
    { what: "an account id stored as a number", edit: (s) => (consumers(s).qa.accountId = 222222222222), code: 2, says: ["modelshare:consumers.qa.accountId", "222222222222", "quote it in the stack file", "--type string"] },
    { what: "a number where a string is expected", edit: (s) => (s.qa["modelshare:smokeTest"].expectedLabel = 42), code: 2, says: ["modelshare:smokeTest.expectedLabel", "42", "is a number, but a string is expected", "--type string"] },
    { what: "a quoted number where a number is expected", edit: (s) => (s.qa["modelshare:smokeTest"].deadlineSeconds = "300"), code: 2, says: ["modelshare:smokeTest.deadlineSeconds", '"300"', "write it without quotes"] },
  ],
  "cross-field and cross-file": [
    { what: "a smoke-test principal in another account", edit: (s) => (s.qa["modelshare:smokeTest"].principalRoleArn = "arn:aws:iam::333333333333:role/modelshare-qa-smoke-test"), code: 2, says: ["Pulumi.qa.yaml", "modelshare:smokeTest.principalRoleArn", "is in account 333333333333", "this stack's account 222222222222"] },
    { what: "a smoke-test principal the shared role does not trust", edit: (s) => consumers(s).qa.applicationPrincipalArns.pop(), code: 2, says: ["Pulumi.qa.yaml", "modelshare:smokeTest.principalRoleArn", "is not trusted by the shared role", "Pulumi.ml.yaml"] },
    { what: "a smoke-test image that does not exist", edit: (s) => (s.qa["modelshare:smokeTest"].image = "examples/missing.png"), code: 2, says: ["modelshare:smokeTest.image", '"examples/missing.png"', "does not exist", "a PNG or JPEG file"] },
    { what: "a smoke-test image that is a directory", edit: (s) => (s.qa["modelshare:smokeTest"].image = "examples"), code: 2, says: ["modelshare:smokeTest.image", '"examples"', "is a directory, not a regular file"] },
    { what: "a smoke-test image that is a FIFO", edit: (s, dir) => (fifo(path.join(dir, "examples", "pipe.png")), (s.qa["modelshare:smokeTest"].image = "examples/pipe.png")), code: 2, says: ["modelshare:smokeTest.image", "a FIFO (named pipe)"] },
    { what: "a deploy role in another account", edit: (s) => (s.qa["modelshare:deployRoleArn"] = "arn:aws:iam::333333333333:role/modelshare-deploy"), code: 2, says: ["modelshare:deployRoleArn", "is in account 333333333333", "222222222222"] },
    { what: "two consumer stacks for one environment", edit: (s) => (s["qa-copy"] = structuredClone(s.qa)), code: 2, says: ["Pulumi.qa-copy.yaml", "Pulumi.qa.yaml", "each environment has one consumer stack"] },
    { what: "two ML stacks", edit: (s) => (s["ml-copy"] = structuredClone(s.ml)), code: 2, says: ["Pulumi.ml-copy.yaml and Pulumi.ml.yaml", "exactly one ML stack is allowed"] },
    { what: "Pulumi.<stack>.yml beside .yaml", edit: (s, dir) => writeFileSync(path.join(dir, "Pulumi.qa.yml"), stringify({ config: s.qa })), code: 2, says: ["Pulumi.qa.yaml and Pulumi.qa.yml", "keep one"] },
    { what: "a stack name with dots is a stack (here a second one for qa)", edit: (s) => (s["qa.backup"] = structuredClone(s.qa)), code: 2, says: ["Pulumi.qa.backup.yaml", "Pulumi.qa.yaml", "each environment has one consumer stack"] },
    { what: "a namespace typo", edit: (s) => ((s.qa["modelshar:ssmEndpoint"] = true), undefined), code: 2, says: ["modelshar:ssmEndpoint", 'namespace "modelshar" is unknown', "did you mean modelshare:ssmEndpoint"] },
    { what: "a key typo", edit: (s) => ((s.qa["modelshare:enviroment"] = "qa"), undefined), code: 2, says: ['unknown key "enviroment"', "did you mean modelshare:environment"] },
    { what: "a nested key typo", edit: (s) => ((s.qa["modelshare:network"].vpcCdir = "10.0.0.0/16"), undefined), code: 2, says: ["modelshare:network", 'unknown key "vpcCdir"', "did you mean modelshare:network.vpcCidr"] },
    { what: "an unknown aws setting", edit: (s) => ((s.qa["aws:reigon"] = "us-east-1"), undefined), code: 2, says: ["aws:reigon", "did you mean aws:region", "aws:profile"] },
    { what: "an aws setting of the wrong type", edit: (s) => ((s.qa["aws:maxRetries"] = "lots"), undefined), code: 2, says: ["aws:maxRetries", '"lots"', "a number is expected"] },
    { what: "an aws setting out of its range", edit: (s) => ((s.qa["aws:maxRetries"] = 1000), undefined), code: 2, says: ["aws:maxRetries", "1000", "a whole number from 0 to 100"] },
    { what: "allowed account ids without the stack's account", edit: (s) => ((s.qa["aws:allowedAccountIds"] = ["999999999999"]), undefined), code: 2, says: ["aws:allowedAccountIds", "999999999999", "does not include this stack's account 222222222222"] },
    { what: "allowed and forbidden account ids together", edit: (s) => Object.assign(s.qa, { "aws:allowedAccountIds": ["222222222222"], "aws:forbiddenAccountIds": ["999999999999"] }), code: 2, says: ["aws:forbiddenAccountIds", "the AWS provider refuses"] },
    { what: "default tags in modelshare's reserved namespace", edit: (s) => ((s.ml["aws:defaultTags"] = { tags: { "modelshare:owner": "me" } }), undefined), code: 2, says: ["aws:defaultTags.tags.modelshare:owner", "modelshare reserves"] },
    { what: "an environment named __proto__", edit: (s) => void Object.defineProperty(consumers(s), "__proto__", { value: structuredClone(consumers(s).qa), enumerable: true }), code: 2, says: ["modelshare:consumers.__proto__", "JavaScript reserves"] },
    { what: "an environment named toString", edit: (s) => ((consumers(s).toString = structuredClone(consumers(s).qa)), undefined), code: 2, says: ["modelshare:consumers.toString", "environment name must be 1-24 characters"] },
    { what: "a secret where a value of a form is needed", edit: (s) => ((consumers(s).qa.accountId = { secure: "v1:AAABBBCCCDDD" }), undefined), code: 2, says: ["modelshare:consumers.qa.accountId", "is a secret (secure:), which cannot be decrypted offline"], never: ["v1:AAABBBCCCDDD"] },
  ],
  "files and arguments": [
    { what: "a stack file that is a FIFO", edit: (s, dir) => (delete s.prod, fifo(path.join(dir, "Pulumi.prod.yaml"))), code: 2, says: ["Pulumi.prod.yaml", "a FIFO (named pipe), not a regular file"] },
    { what: "a stack file that is a directory", edit: (s, dir) => (delete s.prod, mkdirSync(path.join(dir, "Pulumi.prod.yaml"))), code: 2, says: ["Pulumi.prod.yaml", "is a directory, not a regular file"] },
    { what: "a stack file that is not YAML", edit: (s, dir) => (delete s.prod, writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  a: [1, 2\n")), code: 2, says: ["Pulumi.prod.yaml", "is not valid YAML"] },
    { what: "--out ''", argv: () => ["synth", "--out", ""], code: 2, says: ['--out ""', "is empty", "a directory path"] },
    { what: "--out below a regular file", argv: (dir) => ["synth", "--out", path.join(dir, "Pulumi.yaml", "out")], code: 2, says: ["--out", "is below", "Pulumi.yaml, which is not a directory"] },
    { what: "--config-dir ''", argv: () => ["synth", "--config-dir", ""], code: 2, says: ['--config-dir ""', "is empty"] },
    { what: "--cwd that is not a directory", argv: (dir) => ["--cwd", path.join(dir, "Pulumi.yaml"), "synth"], code: 2, says: ["--cwd", "is not a directory", "the project's directory"] },
    { what: "a directory that is no project (never the package's own files)", edit: (s, dir) => rmSync(path.join(dir, "Pulumi.yaml")), argv: () => ["synth"], code: 2, says: ["is not a Pulumi project (it has no Pulumi.yaml)", "--cwd DIR"] },
    { what: "invoke --env the project does not define", argv: (dir) => ["invoke", "--env", "staging", "--image", path.join(dir, "examples", "smoke-test.png")], code: 2, says: ['--env "staging" is not an environment of the project', "allowed: prod, qa"] },
    { what: "invoke --image that is a FIFO", edit: (s, dir) => fifo(path.join(dir, "examples", "pipe.png")), argv: (dir) => ["invoke", "--env", "qa", "--image", path.join(dir, "examples", "pipe.png")], code: 2, says: ["--image", "a FIFO (named pipe)"] },
    { what: "invoke --max-results beyond its range", argv: (dir) => ["invoke", "--env", "qa", "--image", path.join(dir, "examples", "smoke-test.png"), "--max-results", "5000"], code: 2, says: ['--max-results "5000"', "from 1 to 1000"] },
    { what: "deploy --concurrency beyond its range", argv: () => ["deploy", "--concurrency", "65", "--yes"], code: 2, says: ['--concurrency "65"', "from 1 to 64"] },
    // Without a terminal and without --yes: refused before the project is read, with the flag found wrong all the same.
    { what: "deploy --concurrency beyond its range, without --yes", argv: () => ["deploy", "--concurrency", "0"], code: 2, says: ["deploy: 2 problems:", "pass --yes", '--concurrency "0"', "from 1 to 64"] },
    { what: "model start --min-units beyond its range", argv: () => ["model", "start", "--version", "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000", "--min-units", "1001"], code: 2, says: ['--min-units "1001"', "from 1 to 1000"] },
    { what: "promote --dry-run --env the project does not define", argv: () => ["promote", "--env", "staging", "--from", "qa", "--dry-run"], code: 2, says: ['--env "staging" is not an environment of this project', "allowed: prod, qa"] },
  ],
};

describe("bad input, by class: exit code, no hang, no stack trace, a message naming what and what is allowed", function () {
  this.timeout(BOUND_MS + 5000);
  const made: string[] = [];
  after(async () => {
    made.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    await installMocks(recorder, "modelshare", "test"); // in case a synth got as far as installing its own
  });

  it(`has at least 40 cases (${Object.values(CASES).flat().length})`, () => {
    expect(Object.values(CASES).flat().length).to.be.at.least(40);
  });

  for (const [group, cases] of Object.entries(CASES)) {
    describe(group, () => {
      for (const c of cases) {
        it(c.what, async () => {
          const dir = c.project === "copy" ? copyExampleProject(c.edit) : exampleProject(c.edit);
          made.push(dir);
          const { code, output } = await run(dir, (c.argv ?? synth)(dir));
          expect(code, output).to.equal(c.code);
          expect(output, "no stack trace").not.to.match(STACK_TRACE);
          for (const expected of c.says) {
            if (typeof expected === "string") expect(output).to.include(expected);
            else expect(output).to.match(expected);
          }
          for (const hidden of c.never ?? []) expect(output).not.to.include(hidden);
        });
      }
    });
  }
});

describe("an environment named like a JavaScript object key (constructor) works like any other", function () {
  this.timeout(BOUND_MS + 5000);
  it("is read, planned and cross-checked as its own entry, never as Object.prototype's", async () => {
    const dir = exampleProject((s) => {
      const c = consumers(s);
      c.constructor = c.qa;
      delete c.qa;
      c.constructor.applicationPrincipalArns = [QA_ROLE("modelshare-constructor-app"), QA_ROLE("modelshare-constructor-smoke-test")];
      s.qa["modelshare:environment"] = "constructor";
      s.qa["modelshare:application"].roleName = "modelshare-constructor-app";
      s.qa["modelshare:smokeTest"].principalRoleArn = QA_ROLE("modelshare-constructor-smoke-test");
    });
    try {
      const { code, output } = await run(dir, ["promote", "--env", "constructor", "--from", "prod", "--dry-run", "--json"]);
      expect(code, output).to.equal(0);
      expect(JSON.parse(output.slice(output.indexOf("{"))).env).to.equal("constructor");
      // A consumer named constructor against ML outputs that do not define it: refused, not "is not a function".
      const consumer = parseConsumerConfig(rawConfigFromFlat(readStackFile(path.join(dir, "Pulumi.qa.yaml"))), "Pulumi.qa.yaml");
      const ml = { mlAccountId: "111111111111", region: "us-east-1", organizationId: "o-a1b2c3d4e5", projectArn: "", sharedRoleArns: { prod: "x" }, grantedVersions: { prod: [] }, trustedPrincipalArns: { prod: [] }, privateOnly: { prod: true }, eksPodIdentity: { prod: false }, pipelineRoleArn: "arn:aws:iam::111111111111:role/modelshare-pipeline", consumerGuardrail: { enabled: false, deployRoleNames: [] } };
      expect(crossCheckWithMl(consumer, ml, "ml").map((p) => p.message)).to.deep.equal(["the ML stack ml defines no shared role for this environment; it defines: prod (add modelshare:consumers.constructor to the ML stack's config and deploy it first)"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
