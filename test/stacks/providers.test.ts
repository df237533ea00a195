import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { explicitProviderArgs, MODELSHARE_DEFAULT_TAGS } from "../../src/config/awsProvider";
import { AWS_PROVIDER_KEYS } from "../../src/config/awsSettings";
import { exampleConfig, PROJECT_ROOT, publishMlOutputs, recorder, runProgram, withConfig } from "../helpers/pulumi";
import { problemsOf } from "../helpers/config";
import * as pulumi from "@pulumi/pulumi";
import { rawConfigFromFlat } from "../../src/config/raw";
import { parseStackConfig } from "../../src/config/schema";
import { accountProviderArgs } from "../../stacks/providers";


/** A provider's recorded inputs, as the engine would hand them to it (non-string inputs arrive as JSON). */
function providerInputs(name: string): Record<string, any> {
  const inputs = recorder.byName("pulumi:providers:aws", name).inputs;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, typeof v === "string" && /^[[{]/.test(v) ? JSON.parse(v) : v]));
}

const USER_SETTINGS = {
  "aws:profile": "platform-admin",
  "aws:sharedConfigFiles": ["/etc/aws/config"],
  "aws:sharedCredentialsFiles": ["/etc/aws/credentials"],
  "aws:maxRetries": 7,
  "aws:retryMode": "adaptive",
  "aws:skipCredentialsValidation": true,
  "aws:skipMetadataApiCheck": true,
  "aws:endpoints": [{ sts: "https://sts.internal.example", rekognition: "https://rekognition.internal.example" }],
  "aws:defaultTags": { tags: { "cost-center": "ml-42", owner: "platform" } },
  "aws:assumeRoles": [{ roleArn: "arn:aws:iam::555555555555:role/ci-entry", sessionName: "ci" }],
  "aws:allowedAccountIds": ["111111111111", "222222222222"],
};

describe("explicit AWS providers get the stack's aws:* settings (src/config/awsProvider.ts)", () => {
  it("knows every setting of the installed @pulumi/aws ProviderArgs, and no other", () => {
    const declaration = readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", "aws", "provider.d.ts"), "utf8");
    const body = declaration.slice(declaration.indexOf("export interface ProviderArgs {"));
    const keys = [...body.slice(0, body.indexOf("\n}")).matchAll(/^ {4}(\w+)\?:/gm)].map((m) => m[1]).sort();
    expect([...AWS_PROVIDER_KEYS].sort()).to.deep.equal(keys);
  });

  describe("the ML stack's providers (ML account, management account, data-lake account)", () => {
    before(async () => {
      // Merge mode: the data-lake account gets a provider too.
      await runProgram(withConfig(exampleConfig("ml"), (c) => Object.assign(c, USER_SETTINGS, { "modelshare:dataLake": { ...c["modelshare:dataLake"], mode: "merge" } })));
    });

    for (const [name, account, own] of [
      ["ml-account", "111111111111", undefined],
      ["organization-management", "999999999999", "arn:aws:iam::999999999999:role/modelshare-scp-admin"],
      ["data-lake-account", "444444444444", "arn:aws:iam::444444444444:role/modelshare-data-lake-admin"],
    ] as const) {
      it(`${name}: profile, shared files, retries, endpoints and skip flags as set; its one account; the user's role chain first`, () => {
        const p = providerInputs(name);
        expect(p.profile).to.equal("platform-admin");
        expect(p.sharedConfigFiles).to.deep.equal(["/etc/aws/config"]);
        expect(p.sharedCredentialsFiles).to.deep.equal(["/etc/aws/credentials"]);
        expect(Number(p.maxRetries)).to.equal(7);
        expect(p.retryMode).to.equal("adaptive");
        expect(String(p.skipCredentialsValidation)).to.equal("true");
        expect(String(p.skipMetadataApiCheck)).to.equal("true");
        expect(p.endpoints).to.deep.equal(USER_SETTINGS["aws:endpoints"]);
        expect(p.region).to.equal("us-east-1");
        expect(p.allowedAccountIds).to.deep.equal([account]);
        expect(p.forbiddenAccountIds).to.equal(undefined);
        const chain = p.assumeRoles.map((r: { roleArn: string }) => r.roleArn);
        expect(chain).to.deep.equal(["arn:aws:iam::555555555555:role/ci-entry", ...(own ? [own] : [])]);
      });

      it(`${name}: the user's default tags merged with modelshare's`, () => {
        expect(providerInputs(name).defaultTags).to.deep.equal({ tags: { "cost-center": "ml-42", owner: "platform", ...MODELSHARE_DEFAULT_TAGS } });
      });
    }

    it("resources still go to the account of their provider (the mocks follow the end of the role chain)", () => {
      expect(recorder.byName("aws:iam/role:Role", "shared-qa-role").account).to.equal("111111111111");
    });
  });

  describe("a consumer stack's provider", () => {
    before(async () => {
      await publishMlOutputs();
      await runProgram(withConfig(exampleConfig("qa"), (c) => Object.assign(c, { "aws:profile": "qa-admin", "aws:defaultTags": { tags: { team: "vision" } }, "aws:useFipsEndpoint": true })));
    });

    it("has the settings, the consumer account and the chain ending in the deploy role", () => {
      const p = providerInputs("qa-account");
      expect(p.profile).to.equal("qa-admin");
      expect(String(p.useFipsEndpoint)).to.equal("true");
      expect(p.allowedAccountIds).to.deep.equal(["222222222222"]);
      expect(p.assumeRoles.map((r: { roleArn: string }) => r.roleArn)).to.deep.equal(["arn:aws:iam::222222222222:role/modelshare-deploy"]);
      expect(p.defaultTags).to.deep.equal({ tags: { team: "vision", ...MODELSHARE_DEFAULT_TAGS } });
    });
  });

  it("hands credentials to every provider as secrets, so the state keeps them encrypted", async () => {
    const config = parseStackConfig(rawConfigFromFlat({ ...exampleConfig("ml"), "aws:accessKey": "AKIAEXAMPLE", "aws:secretKey": "wJalrEXAMPLEKEY", "aws:profile": "p" }, ["aws:profile"]), "Pulumi.ml.yaml");
    const args = accountProviderArgs(config, { region: "us-east-1", accountId: "111111111111" }) as Record<string, unknown>;
    for (const key of ["accessKey", "secretKey", "profile"]) {
      expect(pulumi.Output.isInstance(args[key]), key).to.equal(true);
      expect(await pulumi.isSecret(args[key] as pulumi.Output<unknown>), key).to.equal(true);
    }
    expect(pulumi.Output.isInstance(args.region)).to.equal(false);
  });


  it("without aws:* settings, a provider gets only its region, account and modelshare's role (no default tags, no chain)", () => {
    const { args, secretArgs } = explicitProviderArgs({ settings: {}, secretKeys: [] }, { region: "eu-west-1", accountId: "111111111111" });
    expect(args).to.deep.equal({ region: "eu-west-1", allowedAccountIds: ["111111111111"] });
    expect(secretArgs).to.deep.equal([]);
  });

  it("a setting Pulumi holds as a secret stays one", () => {
    const { secretArgs } = explicitProviderArgs({ settings: { profile: "p", customCaBundle: "/ca.pem" }, secretKeys: ["customCaBundle"] }, { region: "eu-west-1", accountId: "111111111111" });
    expect(secretArgs).to.deep.equal(["customCaBundle"]);
  });

  describe("settings that cannot compose are refused before anything is deployed", () => {
    const ml = (settings: Record<string, unknown>) => problemsOf(withConfig(exampleConfig("ml"), (c) => Object.assign(c, settings)));
    it("an unknown setting, with the nearest valid one", () => {
      expect(ml({ "aws:reigon": "us-east-1" })[0]).to.match(/^aws:reigon = undefined: is not a setting of the AWS provider \(did you mean aws:region\?\); allowed: .*aws:profile/);
      expect(ml({ "aws:defaultTag": { tags: {} } })[0]).to.include("did you mean aws:defaultTags?");
    });
    it("forbidden account ids that name an account the stack deploys to", () => {
      expect(ml({ "aws:forbiddenAccountIds": ["999999999999"] })).to.deep.equal(['aws:forbiddenAccountIds[0] = "999999999999": is an account this stack deploys to (111111111111, 444444444444, 999999999999, 444444444444); remove it']);
    });
    it("ignored tags that would hide modelshare's own", () => {
      expect(ml({ "aws:ignoreTags": { keyPrefixes: ["modelshare"] } })[0]).to.include("would hide modelshare's own tags");
    });
    it("more default tags than a resource can carry with modelshare's", () => {
      const tags = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, "v"]));
      expect(ml({ "aws:defaultTags": { tags } })[0]).to.include("allowed: at most 47");
    });
  });
});
