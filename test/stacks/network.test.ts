import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { exampleConfig, parsedPolicy, publishMlOutputs, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const VPC = "vpc-0a1b2c3d4e5f60718";
const SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"];
const SHARED_ROLE = "arn:aws:iam::111111111111:role/modelshare/modelshare-qa";

/** The qa example in an existing VPC, with `edit` applied to modelshare:network. */
function inExistingVpc(edit: (network: Record<string, any>) => void = () => {}): Record<string, unknown> {
  return withConfig(exampleConfig("qa"), (c) => {
    c["modelshare:network"] = { vpcId: VPC, subnetIds: SUBNETS, allowedCidrs: ["10.20.0.0/16"], ssmEndpoint: true };
    edit(c["modelshare:network"]);
  });
}

const services = () => recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => String(e.inputs.serviceName).replace("com.amazonaws.us-east-1.", "")).sort();

describe("consumer network on real AWS terms", () => {
  before(async () => {
    await publishMlOutputs();
  });
  afterEach(() => {
    recorder.existingEndpoints.length = 0;
    recorder.privateHostedZones.length = 0;
    recorder.endpointServiceZones.clear();
    recorder.subnetZones.clear();
  });

  describe("an existing VPC", () => {
    it("refuses a VPC that already has an endpoint with private DNS for a service, naming it and the choices, before creating any endpoint", async () => {
      recorder.existingEndpoints.push({ id: "vpce-0aaaabbbbcccc1111", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.sts", privateDnsEnabled: true, ownerId: "222222222222" });
      const error = await rejection(runProgram(inExistingVpc()));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include(`modelshare:network.vpcId = "${VPC}": already has endpoint vpce-0aaaabbbbcccc1111 for com.amazonaws.us-east-1.sts with private DNS on`);
      expect(error.message).to.include('add "sts" to modelshare:network.adoptEndpoints');
      expect(error.message).to.include(`sts:AssumeRole on ${SHARED_ROLE}`);
      expect(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.be.empty;
    });

    it("refuses a VPC with a private hosted zone for a service's name (an endpoint shared from a hub VPC)", async () => {
      recorder.privateHostedZones.push({ zoneId: "Z0123456789ABCDEFGHIJ", name: "rekognition.us-east-1.amazonaws.com", vpcIds: [VPC] });
      const error = await rejection(runProgram(inExistingVpc()));
      expect(error.message).to.include("private hosted zone Z0123456789ABCDEFGHIJ (rekognition.us-east-1.amazonaws.com)");
      expect(error.message).to.include('add "rekognition" to modelshare:network.adoptEndpoints');
      expect(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.be.empty;
    });

    it("names every conflicting service at once, and several endpoints for one service", async () => {
      recorder.existingEndpoints.push(
        { id: "vpce-0aaaabbbbcccc1111", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.ssm", privateDnsEnabled: true, ownerId: "222222222222" },
        { id: "vpce-0aaaabbbbcccc2222", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.sts", privateDnsEnabled: false, ownerId: "222222222222" },
        { id: "vpce-0aaaabbbbcccc3333", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.sts", privateDnsEnabled: true, ownerId: "222222222222" },
      );
      const error = (await rejection(runProgram(inExistingVpc()))) as ConfigError;
      expect(error.problems.map((p) => p.message.slice(0, 60))).to.have.length(2);
      expect(error.message).to.include("already has several endpoints for com.amazonaws.us-east-1.sts");
      expect(error.message).to.include("vpce-0aaaabbbbcccc1111 for com.amazonaws.us-east-1.ssm");
    });

    it("adopts an existing endpoint when told to: creates none for that service and reports the one it uses", async () => {
      recorder.existingEndpoints.push({ id: "vpce-0aaaabbbbcccc1111", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.sts", privateDnsEnabled: true, ownerId: "222222222222" });
      const { outputs } = await runProgram(inExistingVpc((n) => (n.adoptEndpoints = ["sts"])));
      expect(services()).to.deep.equal(["rekognition", "ssm"]);
      expect(outputs.vpcEndpointIds.sts).to.equal("vpce-0aaaabbbbcccc1111");
      expect(outputs.adoptedEndpoints).to.deep.equal(["sts"]);
    });

    it("refuses to adopt what is not there, or an endpoint with private DNS off", async () => {
      const nothing = await rejection(runProgram(inExistingVpc((n) => (n.adoptEndpoints = ["sts"]))));
      expect(nothing.message).to.include('modelshare:network.adoptEndpoints[0] = "sts": nothing to adopt');
      recorder.existingEndpoints.push({ id: "vpce-0aaaabbbbcccc1111", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.sts", privateDnsEnabled: false, ownerId: "222222222222" });
      const noDns = await rejection(runProgram(inExistingVpc((n) => (n.adoptEndpoints = ["sts"]))));
      expect(noDns.message).to.include("vpce-0aaaabbbbcccc1111 has private DNS off");
      expect(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.be.empty;
    });

    it("creates its own endpoint next to one without private DNS (no name conflict)", async () => {
      recorder.existingEndpoints.push({ id: "vpce-0aaaabbbbcccc1111", vpcId: VPC, serviceName: "com.amazonaws.us-east-1.sts", privateDnsEnabled: false, ownerId: "222222222222" });
      await runProgram(inExistingVpc());
      expect(services()).to.deep.equal(["rekognition", "ssm", "sts"]);
    });

    it("refuses subnets in an AZ where an endpoint service is not offered", async () => {
      recorder.endpointServiceZones.set("com.amazonaws.us-east-1.rekognition", ["us-east-1a", "us-east-1b", "us-east-1c"]);
      recorder.subnetZones.set(SUBNETS[1], "us-east-1e");
      const error = await rejection(runProgram(inExistingVpc()));
      expect(error.message).to.include(`modelshare:network.subnetIds[1] = "${SUBNETS[1]}": is in us-east-1e, where com.amazonaws.us-east-1.rekognition is not offered (offered in us-east-1a, us-east-1b, us-east-1c)`);
      expect(recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint")).to.be.empty;
    });
  });

  describe("a created VPC", () => {
    it("adds what an ECS task needs without a NAT: ECR api and dkr and CloudWatch Logs with private DNS, and an S3 gateway limited to ECR's layer bucket", async () => {
      await runProgram(exampleConfig("qa"));
      expect(services()).to.deep.equal(["ecr.api", "ecr.dkr", "logs", "rekognition", "s3", "ssm", "sts"]);
      for (const endpoint of recorder.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface")) {
        expect(endpoint.inputs.privateDnsEnabled, String(endpoint.inputs.serviceName)).to.equal(true);
        expect(endpoint.inputs.subnetIds).to.have.length(2);
      }
      const s3 = recorder.resources.find((r) => r.inputs.serviceName === "com.amazonaws.us-east-1.s3")!;
      expect(s3.inputs.vpcEndpointType).to.equal("Gateway");
      const table = recorder.ofType("aws:ec2/routeTable:RouteTable");
      expect(table).to.have.length(1);
      expect(s3.inputs.routeTableIds).to.deep.equal([table[0].id]);
      expect(recorder.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")).to.have.length(2);
      expect(parsedPolicy(s3).Statement).to.deep.equal([
        { Sid: "PullImageLayersFromEcr", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*" },
      ]);
    });

    it("adds per compute what it needs: CloudWatch Logs for Lambda, eks-auth too for EKS Pod Identity; none when turned off", async () => {
      await runProgram(withConfig(exampleConfig("qa"), (c) => (c["modelshare:application"].trustedServices = ["lambda.amazonaws.com"])));
      expect(services()).to.deep.equal(["logs", "rekognition", "ssm", "sts"]);
      // Pod Identity needs sts:TagSession in the shared role's trust (issue 8): the ML stack allows it for qa.
      await publishMlOutputs(withConfig(exampleConfig("ml"), (c) => (c["modelshare:consumers"].qa.eksPodIdentity = true)));
      await runProgram(withConfig(exampleConfig("qa"), (c) => (c["modelshare:application"].trustedServices = ["pods.eks.amazonaws.com"])));
      expect(services()).to.deep.equal(["ecr.api", "ecr.dkr", "eks-auth", "logs", "rekognition", "s3", "ssm", "sts"]);
      await publishMlOutputs();
      await runProgram(withConfig(exampleConfig("qa"), (c) => (c["modelshare:network"].computeEndpoints = false)));
      expect(services()).to.deep.equal(["rekognition", "ssm", "sts"]);
      expect(recorder.ofType("aws:ec2/routeTable:RouteTable")).to.be.empty;
    });

    it("places its subnets in AZs where every endpoint service is offered, not in <region>a and b", async () => {
      recorder.endpointServiceZones.set("com.amazonaws.us-east-1.rekognition", ["us-east-1b", "us-east-1c", "us-east-1d"]);
      recorder.endpointServiceZones.set("com.amazonaws.us-east-1.ecr.dkr", ["us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"]);
      await runProgram(withConfig(exampleConfig("qa"), (c) => delete c["modelshare:network"].availabilityZones));
      const zones = recorder.ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone).sort();
      // The other services are offered in a, b and c: b and c are the AZs every service is offered in.
      expect(zones).to.deep.equal(["us-east-1b", "us-east-1c"]);
    });

    it("refuses configured AZs where an endpoint service is not offered, naming the key, the value and the AZs allowed", async () => {
      recorder.endpointServiceZones.set("com.amazonaws.us-east-1.rekognition", ["us-east-1b", "us-east-1c"]);
      const error = await rejection(runProgram(exampleConfig("qa")));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include('modelshare:network.availabilityZones[0] = "us-east-1a": com.amazonaws.us-east-1.rekognition is not offered there; AZs offering every endpoint service: us-east-1b, us-east-1c');
      expect(recorder.ofType("aws:ec2/vpc:Vpc")).to.be.empty;
    });
  });
});
