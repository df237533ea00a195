import { expect } from "chai";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { explainAwsError } from "../../src/cli/awsErrors";
import { registerPromote } from "../../src/cli/promote";
import { runSynth } from "../../src/cli/synth";
import { resolveMlStack } from "../../src/config/projectChecks";
import { formatResult } from "../../src/promotion/cliContext";
import { installMocks } from "../../src/synth/mocks";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";
import { fakeSecure, readStack, V1, V2 } from "../promotion/fakes";
import { Scenario } from "../promotion/harness";
import { sharedSimulator } from "../helpers/simulator";

const CIPHERTEXT = "v1:AAAAbm90LWEtcmVhbC1jaXBoZXJ0ZXh0LWZvci10ZXN0cw==";

/** The example project in a temporary directory, each stack file's document edited. */
function exampleProject(edit: Record<string, (document: Record<string, any>) => void>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "modelshare-pulumi-config-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
  mkdirSync(path.join(dir, "examples"));
  copyFileSync(path.join(PROJECT_ROOT, "examples", "smoke-test.png"), path.join(dir, "examples", "smoke-test.png"));
  for (const stack of ["ml", "qa", "prod"]) {
    const document = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as Record<string, any>;
    edit[stack]?.(document);
    writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(document, { aliasDuplicateObjects: false }));
  }
  return dir;
}

describe("configuration the way Pulumi reads it", function () {
  this.timeout(120_000);

  describe("synth on a config with secrets, an ESC environment, aws:defaultTags and a Pulumi Cloud mlStack name", () => {
    let dir: string;
    let code: number;
    let stderr: string;
    let stdout: string;
    let written: Record<string, string>;
    before(async () => {
      dir = exampleProject({
        ml: (d) => {
          d.config["aws:secretKey"] = { secure: CIPHERTEXT };
          d.config["aws:accessKey"] = "AKIAEXAMPLEEXAMPLE";
          d.config["aws:defaultTags"] = { tags: { "cost-center": "ml-42" } };
        },
        // The form README gives for Pulumi Cloud (an org of the user's), and the short org/stack form.
        qa: (d) => {
          d.config["modelshare:mlStack"] = "acme-corp/modelshare/ml";
          d.environment = ["acme-corp/modelshare-qa"];
          d.config["modelshare:smokeTest"].expectedLabel = { secure: CIPHERTEXT };
        },
        prod: (d) => (d.config["modelshare:mlStack"] = "acme-corp/ml"),
      });
      const out: string[] = [];
      const err: string[] = [];
      const io = { cwd: dir, stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), progress: { step() {}, waiting() {}, done() {} }, now: Date.now, loadSimulator: sharedSimulator };
      code = await runSynth({ out: path.join(dir, "out"), json: true }, io);
      stdout = out.join("");
      stderr = err.join("");
      // Every file synth writes, OUT/policies/<stack>/*.json included.
      const outDir = path.join(dir, "out");
      const files = readdirSync(outDir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(path.join(outDir, f)).isFile());
      written = Object.fromEntries(files.map((f) => [f, readFileSync(path.join(outDir, f), "utf8")]));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await installMocks(recorder, "modelshare", "test");
    });

    it("succeeds (exit 0): a secret is an opaque placeholder, not a type error", () => {
      expect(code, stdout.slice(0, 3000)).to.equal(0);
    });

    it("never prints or writes a secret's ciphertext", () => {
      expect(stdout + stderr).not.to.include(CIPHERTEXT);
      for (const [file, text] of Object.entries(written)) expect(text, file).not.to.include(CIPHERTEXT);
    });

    it("marks secrets in out/<stack>.json: the keys, and each resource input that carries one", () => {
      const ml = JSON.parse(written["ml.json"]);
      expect(ml.secrets.configKeys).to.deep.equal(["aws:secretKey"]);
      expect(ml.secrets.resourceInputs).to.deep.equal(["pulumi:providers:aws::access-analyzer-administrator.secretKey", "pulumi:providers:aws::data-lake-account.secretKey", "pulumi:providers:aws::ml-account.secretKey", "pulumi:providers:aws::organization-management.secretKey"].filter((k) => ml.resources.some((r: any) => `${r.type}::${r.name}` === k.split(".")[0])));
      expect(ml.secrets.resourceInputs).to.include("pulumi:providers:aws::ml-account.secretKey");
      expect(JSON.parse(written["qa.json"]).secrets).to.deep.equal({ configKeys: ["modelshare:smokeTest.expectedLabel"], resourceInputs: [], outputs: [] });
      expect(JSON.parse(written["prod.json"]).secrets).to.equal(undefined);
    });

    it("warns that the ESC environment could not be opened, naming it and how to supply its values", () => {
      expect(stderr).to.match(/warning: Pulumi\.qa\.yaml imports the ESC environment\(s\) acme-corp\/modelshare-qa, which synth cannot open offline/);
      expect(stderr).to.include("pulumi config --stack qa --show-secrets --json");
      expect(stderr).to.include("--config-dir");
      expect(JSON.parse(stdout).warnings.some((w: string) => w.includes("acme-corp/modelshare-qa"))).to.equal(true);
    });

    it("passes aws:defaultTags on to the explicit providers, merged with modelshare's", () => {
      const provider = JSON.parse(written["ml.json"]).resources.find((r: any) => r.type === "pulumi:providers:aws" && r.name === "ml-account");
      expect(JSON.parse(provider.inputs.defaultTags)).to.deep.equal({ tags: { "cost-center": "ml-42", "modelshare:managed-by": "pulumi" } });
    });

    it("resolves mlStack in any org and the org/stack form against the ML stack file", () => {
      expect(JSON.parse(written["qa.json"]).outputs.sharedRoleArn).to.equal("arn:aws:iam::111111111111:role/modelshare/modelshare-qa");
      expect(JSON.parse(written["prod.json"]).outputs.sharedRoleArn).to.equal("arn:aws:iam::111111111111:role/modelshare/modelshare-prod");
    });
  });

  describe("modelshare:mlStack forms", () => {
    const ml = ["ml"];
    it("accepts stack, org/stack and org/project/stack for any org (organization on a file backend)", () => {
      for (const name of ["ml", "organization/ml", "acme/ml", "organization/modelshare/ml", "acme-corp/modelshare/ml"]) expect(resolveMlStack(name, "modelshare", ml), name).to.deep.equal({ stack: "ml" });
    });
    it("refuses another project or a stack that is not the ML stack, listing the forms that work", () => {
      const other = resolveMlStack("acme/other-project/ml", "modelshare", ml);
      expect("problem" in other && other.problem).to.match(/names the project "other-project", but this project is "modelshare" \(Pulumi.yaml\); allowed: ml, <org>\/ml or <org>\/modelshare\/ml/);
      const consumer = resolveMlStack("acme/modelshare/qa", "modelshare", ml);
      expect("problem" in consumer && consumer.problem).to.include('names the stack "qa", which is not an ML stack');
    });
  });

  describe("the CLI reads each stack's config through the Automation API", () => {
    let s: Scenario;
    afterEach(() => s?.restore());

    /** prod's account id comes from an ESC environment; its smoke test's label is a secret. */
    function escAndSecrets(): void {
      const file = path.join(s.dir, "Pulumi.prod.yaml");
      const config = readStack(s.dir, "prod");
      delete config["modelshare:accountId"];
      config["modelshare:smokeTest"].expectedLabel = fakeSecure("scratch");
      writeFileSync(file, stringify({ environment: ["acme/prod-settings"], config }));
      s.workspace.world.escEnvironments["acme/prod-settings"] = { "modelshare:accountId": "333333333333" };
    }

    it("promotes with values from an ESC environment and a decrypted secret (as pulumi up would see them)", async () => {
      s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING" });
      escAndSecrets();
      const result = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--json"]);
      expect(result.error?.message).to.equal(undefined);
      expect(result.exitCode, s.out.join("")).to.equal(0);
      expect(s.workspace.world.configReads).to.include.members(["ml", "prod", "qa"]);
      expect(s.smoke.calls.at(-1)?.modelVersionArn).to.equal(V2);
    });

    it("--dry-run stays offline: no config read through Pulumi, and what it cannot see is said", async () => {
      s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING" });
      escAndSecrets();
      const result = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--dry-run"]);
      expect(s.workspace.world.configReads).to.deep.equal([]);
      // The account id lives in the environment, which is not opened offline: refused as bad input, saying why.
      expect(result.error?.message).to.include("warning: Pulumi.prod.yaml imports the ESC environment(s) acme/prod-settings, which are not opened offline");
      expect(result.error?.message).to.include("modelshare:accountId");
      expect(result.error?.name).to.equal("UsageError");
    });
  });

  describe("a raw AWS SDK error never reaches the user alone: one line on what to check", () => {
    const cases: [string, unknown, RegExp][] = [
      ["missing credentials", Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }), /AWS_PROFILE.*aws sso login.*aws sts get-caller-identity/],
      ["missing region", new Error("Region is missing"), /AWS_REGION/],
      ["an endpoint that does not resolve", Object.assign(new Error("getaddrinfo ENOTFOUND rekognition.us-east-1.amazonaws.com"), { code: "ENOTFOUND", hostname: "rekognition.us-east-1.amazonaws.com" }), /rekognition\.us-east-1\.amazonaws\.com does not resolve.*private DNS.*--rekognition-endpoint/],
      ["AccessDenied", Object.assign(new Error("User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized to perform: rekognition:StartProjectVersion on resource: z"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } }), /AWS denied rekognition:StartProjectVersion: check the IAM policy.*SCP.*endpoint policy/],
      ["expired credentials", Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredTokenException" }), /expired: refresh/],
    ];
    for (const [what, error, hint] of cases) it(what, () => expect(explainAwsError(error)).to.match(hint));
    it("and says nothing it does not know", () => expect(explainAwsError(new Error("ValidationException: bad input"))).to.equal(undefined));
  });
});

describe("a promotion step that fails on an AWS error says what to check", () => {
  it("adds the hint to the outcome", async () => {
    const text = formatResult({ env: "prod", kind: "promote", version: V2, previous: V1, outcome: "failed", failedStep: "ensure-running", reason: "User: arn:aws:sts::111111111111:assumed-role/p/s is not authorized to perform: rekognition:StartProjectVersion", resumed: false, steps: [] });
    expect(text).to.match(/hint: AWS denied rekognition:StartProjectVersion: check the IAM policy/);
  });
});
