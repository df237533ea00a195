import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { DescribePolicyCommand, ListPoliciesForTargetCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { CreateBucketCommand, GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { DescribeRouteTablesCommand, DescribeVpcEndpointsCommand, ModifyVpcEndpointCommand } from "@aws-sdk/client-ec2";
import { GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ML_OUTPUTS } from "../../src/contract";
import { modelAlarmNames } from "../../src/detective/alarms";
import { AwsClients, providerConfig } from "../../tools/aws-standin/aws";
import { INVOKES } from "../../tools/aws-standin/invokes";
import { RESOURCES } from "../../tools/aws-standin/registry";
import { RekognitionFake } from "../../tools/rekognition-fake/server";
import { consumerProblems, sharedRoleProblems } from "./checks";
import { CliResult, describeFailure, modelshare } from "./cli";
import { Emulator, startMoto } from "./emulator";
import { laneEnv } from "./env";
import { copyProject, REPO, setStackConfig, stackConfig } from "./project";
import { assumeRole, createWorld } from "./world";

/**
 * The engine lane (npm run test:engine, docs/engine-lane.md): the project's stacks deployed by the real pulumi CLI
 * on a file backend, through the modelshare CLI and the Automation API, against moto (IAM, STS, SSM, EC2, S3,
 * Organizations) and the Rekognition fake; then status, promote, rollback, the CrossGuard pack and destroy. After
 * every step the emulator's state is checked against what the step should have done.
 */

const ENGINE_BIN = process.env.ENGINE_LANE_BIN ?? join(REPO, ".engine", "bin");
const PYTHON = process.env.ENGINE_LANE_PYTHON ?? join(REPO, ".engine", "venv", "bin", "python");
const TIMINGS = process.env.ENGINE_LANE_TIMINGS ?? join(REPO, ".engine", "lane-timings.json");

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const accountOf = (arn: string) => arn.split(":")[4];

describe("engine lane: the real pulumi engine against the emulator", function () {
  this.timeout(15 * 60_000);
  const started = Date.now();
  const timings: Record<string, number> = {};
  const repoMl: Config = stackConfig(REPO, "ml");
  const consumers: Record<string, Config> = { qa: stackConfig(REPO, "qa"), prod: stackConfig(REPO, "prod") };
  const region: string = repoMl["aws:region"];
  const model = repoMl["modelshare:model"];
  const qaVersion: string = consumers.qa["modelshare:modelVersionArn"];
  const prodVersion: string = consumers.prod["modelshare:modelVersionArn"];

  let scratch = "";
  let projectDir = "";
  let moto: Emulator | undefined;
  const fake = new RekognitionFake();
  let env: NodeJS.ProcessEnv = {};
  let pipeline: AwsCredentialIdentity;
  const consumerCredentials: Record<string, AwsCredentialIdentity> = {};
  let sharedRoleArns: Record<string, string> = {};

  const ml = () => ({ iam: new IAMClient({ region, endpoint: moto!.url, credentials: pipeline }) });
  const consumer = (name: string) => {
    const options = { region, endpoint: moto!.url, credentials: consumerCredentials[name] };
    return { ec2: new EC2Client(options), iam: new IAMClient(options), ssm: new SSMClient(options) };
  };
  const run = async (label: string, args: string[]): Promise<CliResult> => {
    const result = await modelshare(projectDir, args, env);
    timings[label] = result.seconds;
    return result;
  };
  const expectOk = (what: string, result: CliResult) => expect(result.code, describeFailure(what, result)).to.equal(0);

  async function stateProblems(expected: { prod: string; prodGranted: string[] }): Promise<string[]> {
    const want: Record<string, { version: string; granted: string[] }> = { qa: { version: qaVersion, granted: [qaVersion] }, prod: { version: expected.prod, granted: expected.prodGranted } };
    const problems: string[] = [];
    for (const name of Object.keys(consumers)) {
      const c = consumers[name];
      problems.push(
        ...(await sharedRoleProblems(ml().iam, {
          env: name,
          sharedRoleArn: sharedRoleArns[name],
          grantedVersions: want[name].granted,
          trustedPrincipalArns: repoMl["modelshare:consumers"][name].applicationPrincipalArns,
        })),
        ...(await consumerProblems(consumer(name), {
          env: name,
          region,
          sharedRoleArn: sharedRoleArns[name],
          grantedVersions: want[name].granted,
          modelVersionArn: want[name].version,
          applicationRoleName: c["modelshare:application"].roleName,
        })),
      );
    }
    return problems;
  }

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), "modelshare-engine-lane-"));
    const members = [repoMl["modelshare:mlAccountId"], ...Object.values(consumers).map((c) => c["modelshare:accountId"]), repoMl["modelshare:dataLake"].accountId];
    moto = await startMoto({ python: PYTHON, script: join(REPO, "tools", "emulator", "moto_lane.py"), managementAccount: accountOf(repoMl["modelshare:guardrail"].managementRoleArn), memberAccounts: members, region });
    // Everything the lane itself sets up runs against the emulator, never AWS.
    process.env.AWS_ENDPOINT_URL = moto.url;
    process.env.AWS_ACCESS_KEY_ID = "engine-lane";
    process.env.AWS_SECRET_ACCESS_KEY = "engine-lane";
    process.env.AWS_REGION = region;

    projectDir = copyProject(join(scratch, "project"));
    const world = await createWorld(
      {
        region,
        pipelineRoleArn: repoMl["modelshare:pipelineRoleArn"],
        managementRoleArn: repoMl["modelshare:guardrail"].managementRoleArn,
        dataLakeRoleArn: repoMl["modelshare:dataLake"].roleArn,
        dataLakeBucket: repoMl["modelshare:dataLake"].bucketName,
        checkedRoles: [
          { roleArn: repoMl["modelshare:pipelineRoleArn"], trustedRoleArn: `arn:aws:iam::${repoMl["modelshare:mlAccountId"]}:role/ci-runner` },
          ...[...repoMl["modelshare:breakGlassRoleArns"], ...repoMl["modelshare:guardrail"].exemptRoleAdminArns].map((roleArn: string) => ({ roleArn, trustedRoleArn: `arn:aws:iam::${repoMl["modelshare:mlAccountId"]}:role/security-team` })),
          ...Object.values(consumers).map((c) => ({ roleArn: c["modelshare:deployRoleArn"], trustedRoleArn: repoMl["modelshare:pipelineRoleArn"] })),
        ],
      },
      Object.fromEntries(Object.entries(consumers).map(([name, c]) => [name, c["modelshare:accountId"] as string])),
    );
    pipeline = world.pipeline;
    // AWS generates OU ids: the guardrail must name the ones the emulator created.
    setStackConfig(projectDir, "ml", ["modelshare:guardrail", "consumerTargetIds"], world.consumerOuIds);
    // Detective controls: the alarms deploy (the stand-in serves CloudWatch through moto); moto serves neither IAM
    // Access Analyzer nor the Cloud Control lookup of the Config recorder, so those two stay off here, and the bake,
    // which waits at least one alarm evaluation (minutes), too.
    setStackConfig(projectDir, "ml", ["modelshare:detective", "accessAnalyzer", "enabled"], false);
    setStackConfig(projectDir, "ml", ["modelshare:detective", "configRule", "enabled"], false);
    setStackConfig(projectDir, "ml", ["modelshare:promotion", "bakeSeconds"], 0);
    // The drain between switch and revoke waits out the clients' parameter cache (90 s by default); the lane has no
    // long-lived clients, so a short drain keeps the step on the real path without three idle minutes per run.
    setStackConfig(projectDir, "ml", ["modelshare:promotion", "drainSeconds"], 5);
    for (const [name, ou] of Object.entries(world.consumerOuByEnvironment)) setStackConfig(projectDir, "ml", ["modelshare:consumers", name, "organizationalUnitIds"], [ou]);
    for (const [name, c] of Object.entries(consumers)) consumerCredentials[name] = await assumeRole(region, c["modelshare:deployRoleArn"], pipeline);
    // moto runs Lambda functions only in Docker, which this machine lacks: the lane's consumers use the direct smoke
    // test (an explicit, waived opt-in; docs/engine-lane.md), so promote's verify reaches the Rekognition fake.
    for (const name of Object.keys(consumers)) {
      setStackConfig(projectDir, name, ["modelshare:smokeTest", "runner"], "direct");
      setStackConfig(projectDir, name, ["modelshare:waivers"], [{ rule: "smoke-test-runs-in-consumer", resource: `${name}-smoke-test-role`, reason: "engine lane: moto cannot invoke Lambda without Docker" }]);
    }

    for (const version of model.versions as string[]) fake.addVersion(version, "RUNNING", { min: 1 });
    const rekognitionUrl = await fake.listen();
    mkdirSync(join(scratch, "backend"), { recursive: true });
    env = laneEnv({ engineBin: ENGINE_BIN, home: scratch, motoUrl: moto.url, rekognitionUrl, region, credentials: pipeline, projectDir });
  });

  after(async () => {
    timings.total = (Date.now() - started) / 1000;
    mkdirSync(join(REPO, ".engine"), { recursive: true });
    writeFileSync(TIMINGS, `${JSON.stringify({ at: new Date().toISOString(), seconds: timings }, null, 2)}\n`);
    await fake.close();
    await moto?.stop();
    if (scratch && process.env.ENGINE_LANE_KEEP !== "1") rmSync(scratch, { recursive: true, force: true });
  });

  it("deploys ml, then qa and prod (their StackReferences read the ML stack's real state)", async () => {
    const mlDeploy = await run("deploy ml", ["deploy", "--stacks", "ml", "--yes", "--json"]);
    expectOk("modelshare deploy --stacks ml", mlDeploy);
    const consumersDeploy = await run("deploy qa,prod", ["deploy", "--stacks", "qa,prod", "--yes", "--json"]);
    expectOk("modelshare deploy --stacks qa,prod", consumersDeploy);
    for (const result of [mlDeploy, consumersDeploy]) {
      for (const stack of (JSON.parse(result.stdout) as { stacks: Array<{ stack: string; seconds: number }> }).stacks) timings[`up ${stack.stack}`] = stack.seconds;
    }
    const workspace = await LocalWorkspace.create({ workDir: projectDir, envVars: env as Record<string, string>, pulumiCommand: await PulumiCommand.get({ root: join(ENGINE_BIN, "..") }) });
    const outputs = await (await LocalWorkspace.selectStack({ stackName: "ml", workDir: projectDir }, { workDir: projectDir, envVars: env as Record<string, string>, pulumiCommand: workspace.pulumiCommand })).outputs();
    sharedRoleArns = outputs[ML_OUTPUTS.sharedRoleArns].value as Record<string, string>;
    expect(Object.keys(sharedRoleArns).sort()).to.deep.equal(["prod", "qa"]);
    expect(await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] })).to.deep.equal([]);
  });

  it("puts the guardrail SCPs on the ML account and the consumer OUs, and leaves the data lake's bucket policy to its owner", async () => {
    const management = new OrganizationsClient({ region, credentials: await assumeRole(region, repoMl["modelshare:guardrail"].managementRoleArn, pipeline) });
    const ouIds = (stackConfig(projectDir, "ml")["modelshare:guardrail"] as { consumerTargetIds: string[] }).consumerTargetIds;
    const targets: string[] = [repoMl["modelshare:mlAccountId"], ...ouIds];
    for (const target of targets) {
      const policies = (await management.send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: "SERVICE_CONTROL_POLICY" }))).Policies ?? [];
      const ours = policies.filter((p) => p.Name?.startsWith("modelshare"));
      expect(ours, `SCPs on ${target}`).to.have.length(1);
      const content = (await management.send(new DescribePolicyCommand({ PolicyId: ours[0].Id }))).Policy?.Content ?? "";
      expect(content, `SCP ${ours[0].Name}`).to.include('"Effect":"Deny"');
    }
    const dataLake = new S3Client({ region, forcePathStyle: true, credentials: await assumeRole(region, repoMl["modelshare:dataLake"].roleArn, pipeline) });
    const policy = await dataLake.send(new GetBucketPolicyCommand({ Bucket: repoMl["modelshare:dataLake"].bucketName })).then(
      (r) => r.Policy ?? "",
      (e: Error) => e.name,
    );
    if ((repoMl["modelshare:dataLake"].mode ?? "statements") === "merge") expect(policy).to.include(repoMl["modelshare:dataLake"].trainingPrefix);
    // By default the program only hands the statements to the bucket's owner: another team's bucket is left alone.
    else expect(policy).to.equal("NoSuchBucketPolicy");
  });

  it("creates the model's alarms in the ML account: three per granted version, notifying the configured topic", async () => {
    const cloudwatch = new CloudWatchClient({ region, credentials: pipeline });
    const prefix: string = repoMl["modelshare:rolePrefix"] ?? "modelshare";
    const alarms = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${prefix}-model-` }))).MetricAlarms ?? [];
    const granted = Object.values(repoMl["modelshare:consumers"] as Record<string, { grantedVersions: string[] }>).flatMap((c) => c.grantedVersions);
    const expected = [...new Set(granted)].flatMap((version) => modelAlarmNames(prefix, version)).sort();
    expect(alarms.map((a) => a.AlarmName).sort()).to.deep.equal(expected);
    for (const alarm of alarms) expect(alarm.AlarmActions, alarm.AlarmName).to.deep.equal([repoMl["modelshare:detective"].alarms.snsTopicArn]);
  });

  it("catches a wrong grant, a wrong endpoint policy and a wrong SSM parameter (each broken on purpose, then restored)", async () => {
    const iam = ml().iam;
    const qaRole = sharedRoleArns.qa.split("/").pop() as string;
    let policyName = "";
    let original = "";
    for (const name of (await iam.send(new ListRolePoliciesCommand({ RoleName: qaRole }))).PolicyNames ?? []) {
      const document = decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: qaRole, PolicyName: name }))).PolicyDocument ?? "");
      if (document.includes(qaVersion)) [policyName, original] = [name, document];
    }
    expect(policyName, "the qa shared role's policy that grants the qa version").to.not.equal("");
    await iam.send(new PutRolePolicyCommand({ RoleName: qaRole, PolicyName: policyName, PolicyDocument: original.split(qaVersion).join(prodVersion) }));
    const grant = await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] });
    await iam.send(new PutRolePolicyCommand({ RoleName: qaRole, PolicyName: policyName, PolicyDocument: original }));
    expect(grant.join("\n")).to.match(/qa: shared role .*DetectCustomLabels grant is missing .*2024-09-02/).and.to.match(/also allows .*2024-05-20/);

    const prod = consumer("prod");
    const endpoint = ((await prod.ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? []).find((e) => e.ServiceName?.endsWith(".rekognition") && e.State?.toLowerCase() !== "deleted");
    const endpointPolicy = endpoint?.PolicyDocument ?? "";
    await prod.ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: endpoint?.VpcEndpointId, PolicyDocument: endpointPolicy.split(prodVersion).join(qaVersion) }));
    const endpointProblems = await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] });
    await prod.ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: endpoint?.VpcEndpointId, PolicyDocument: endpointPolicy }));
    expect(endpointProblems.join("\n")).to.match(/prod: the Rekognition endpoint policy's DetectCustomLabels is missing .*2024-05-20/);

    await prod.ssm.send(new PutParameterCommand({ Name: "/modelshare/prod/model-version-arn", Value: qaVersion, Type: "String", Overwrite: true }));
    const parameterProblems = await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] });
    await prod.ssm.send(new PutParameterCommand({ Name: "/modelshare/prod/model-version-arn", Value: prodVersion, Type: "String", Overwrite: true }));
    expect(parameterProblems.join("\n")).to.match(/prod: \/modelshare\/prod\/model-version-arn is .*2024-09-02.*, expected .*2024-05-20/);

    expect(await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] })).to.deep.equal([]);
  });

  it("modelshare status: every environment healthy", async () => {
    const status = await run("status", ["status", "--json"]);
    expectOk("modelshare status", status);
    const report = JSON.parse(status.stdout) as { environments: Array<{ env: string; healthy: boolean; configuredVersion: string }> };
    expect(report.environments.map((e) => [e.env, e.healthy, e.configuredVersion])).to.deep.equal([
      ["prod", true, prodVersion],
      ["qa", true, qaVersion],
    ]);
  });

  it("modelshare promote --env prod --from qa: grants, verifies through the shared role, switches, revokes, stops the old version", async () => {
    const help = await modelshare(projectDir, ["promote", "--help"], env, 60_000);
    const yes = help.stdout.includes("--yes") ? ["--yes"] : [];
    const promote = await run("promote", ["promote", "--env", "prod", "--from", "qa", ...yes]);
    expectOk("modelshare promote --env prod --from qa", promote);
    expect(await stateProblems({ prod: qaVersion, prodGranted: [qaVersion] })).to.deep.equal([]);
    expect([fake.status(qaVersion), fake.status(prodVersion)]).to.deep.equal(["RUNNING", "STOPPED"]);
    const detect = fake.calls.filter((c) => c.action === "DetectCustomLabels");
    expect(detect.map((c) => c.body.ProjectVersionArn)).to.deep.equal([qaVersion]);
  });

  it("modelshare rollback --env prod: back to the previous version by the same steps", async () => {
    const rollback = await run("rollback", ["rollback", "--env", "prod", "--yes"]);
    expectOk("modelshare rollback --env prod", rollback);
    expect(await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] })).to.deep.equal([]);
    expect([fake.status(qaVersion), fake.status(prodVersion)]).to.deep.equal(["RUNNING", "RUNNING"]);
    const status = await run("status after rollback", ["status", "--json"]);
    expectOk("modelshare status", status);
  });

  it("runs the CrossGuard pack on a preview of the ML stack and of a consumer stack (pulumi preview --policy-pack policy)", async () => {
    const pulumiCommand = await PulumiCommand.get({ root: join(ENGINE_BIN, "..") });
    // One stack of each kind (qa runs the same program as prod); the previews only read state, so they run at once.
    await Promise.all(
      ["ml", "prod"].map(async (stackName) => {
        const stack = await LocalWorkspace.selectStack({ stackName, workDir: projectDir }, { workDir: projectDir, envVars: env as Record<string, string>, pulumiCommand });
        const begun = Date.now();
        let output = "";
        const result = await stack.preview({ policyPacks: [join(projectDir, "policy")], onOutput: (chunk) => (output += chunk), color: "never" });
        timings[`preview --policy-pack ${stackName}`] = (Date.now() - begun) / 1000;
        expect(output, `preview of ${stackName}`).to.match(/Policies:|modelshare@v/);
        expect(result.changeSummary.create ?? 0, `preview of ${stackName} after the rollback`).to.equal(0);
      }),
    );
  });

  it("destroys prod, qa and ml, leaving none of their roles, endpoints or parameters", async () => {
    const pulumiCommand = await PulumiCommand.get({ root: join(ENGINE_BIN, "..") });
    for (const stackName of ["prod", "qa", "ml"]) {
      const stack = await LocalWorkspace.selectStack({ stackName, workDir: projectDir }, { workDir: projectDir, envVars: env as Record<string, string>, pulumiCommand });
      const begun = Date.now();
      await stack.destroy({ color: "never" });
      timings[`destroy ${stackName}`] = (Date.now() - begun) / 1000;
    }
    const left = await stateProblems({ prod: prodVersion, prodGranted: [prodVersion] });
    for (const name of Object.keys(consumers)) {
      expect(left, left.join("\n")).to.include(`${name}: shared role ${sharedRoleArns[name]} does not exist (NoSuchEntityException)`);
      expect(left, left.join("\n")).to.include(`${name}: expected one Rekognition VPC endpoint, found 0`);
      const parameter = await consumer(name).ssm.send(new GetParameterCommand({ Name: `/modelshare/${name}/model-version-arn` })).catch((e: Error) => e.name);
      expect(parameter).to.equal("ParameterNotFound");
    }
  });

  it("serves the stand-in types no example stack uses yet (DynamoDB table, gateway endpoint, bucket policy lookup)", async () => {
    // Called directly, as the engine would: these are being added to the stacks by other changes.
    const aws = new AwsClients(providerConfig({ region }));
    const table = RESOURCES["aws:dynamodb/table:Table"];
    const inputs = { name: "modelshare-lane-lease", hashKey: "pk", attributes: [{ name: "pk", type: "S" }], billingMode: "PAY_PER_REQUEST", tags: { app: "modelshare" } };
    const created = await table.create(aws, inputs);
    expect(created.outputs).to.include({ name: "modelshare-lane-lease", hashKey: "pk", billingMode: "PAY_PER_REQUEST" });
    const updated = await table.update!(aws, created.id, inputs, { ...inputs, ttl: { attributeName: "expiresAt", enabled: true } });
    expect(updated.ttl).to.deep.equal({ attributeName: "expiresAt", enabled: true });
    await table.delete(aws, created.id, updated);
    expect(await table.read(aws, created.id, updated)).to.equal(undefined);

    const bucket = "modelshare-lane-bucket";
    await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }] });
    const policy = await RESOURCES["aws:s3/bucketPolicy:BucketPolicy"].create(aws, { bucket, policy: document });
    expect(JSON.parse((await INVOKES["aws:s3/getBucketPolicy:getBucketPolicy"](aws, { bucket })).policy as string)).to.deep.equal(JSON.parse(document));
    await RESOURCES["aws:s3/bucketPolicy:BucketPolicy"].delete(aws, policy.id, policy.outputs);

    const vpc = await RESOURCES["aws:ec2/vpc:Vpc"].create(aws, { cidrBlock: "10.90.0.0/16", enableDnsSupport: true, enableDnsHostnames: true });
    const routeTableId = vpc.outputs.mainRouteTableId ?? (await aws.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.id] }] }))).RouteTables?.[0]?.RouteTableId;
    // aws.ec2.getVpcEndpointService is served by the stand-in but not tested here: moto 5.2.5 answers
    // InvalidServiceName for com.amazonaws.<region>.s3 and has no Rekognition endpoint service (docs/engine-lane.md).
    const service = { serviceName: `com.amazonaws.${region}.s3` };
    const gateway = RESOURCES["aws:ec2/vpcEndpoint:VpcEndpoint"];
    const endpoint = await gateway.create(aws, { vpcId: vpc.id, serviceName: service.serviceName, vpcEndpointType: "Gateway", routeTableIds: [routeTableId] });
    expect(endpoint.outputs).to.include({ vpcEndpointType: "Gateway" });
    expect(endpoint.outputs.routeTableIds).to.deep.equal([routeTableId]);
    await gateway.delete(aws, endpoint.id, endpoint.outputs);
    await RESOURCES["aws:ec2/vpc:Vpc"].delete(aws, vpc.id, vpc.outputs);
  });
});
