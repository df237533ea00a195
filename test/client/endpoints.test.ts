import { Readable } from "node:stream";
import { RekognitionClient, RekognitionClientConfig } from "@aws-sdk/client-rekognition";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { ConfigError, InvalidArgumentError, ModelClient, ModelClientEvent, regionalStsEndpoint } from "@modelshare/client";
import { optionalParameterName, parameterName } from "../../src/contract";
import { FAKE_ENV, FAKE_ROLE, fakeVersion, useFakeAws } from "./fakeAws/load";
import { FakeAws } from "./fakeAws/server";
import { assumeRoleOutput, stsClientOfCall } from "./helpers/aws";
import { makePng } from "./helpers/images";
import { rejection } from "./helpers/rejection";

const image = makePng(100, 100);

/** Sets environment variables for one test and puts the previous values back. */
function withEnv(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}


describe("endpoints: the SDK's configuration honoured, STS always regional", () => {
  const theFake = useFakeAws();
  let fake: FakeAws;
  let restoreEnv: () => void = () => {};
  beforeEach(() => {
    fake = theFake();
  });
  afterEach(() => {
    restoreEnv();
    restoreEnv = () => {};
    expect(fake.unchecked).to.equal(0);
  });

  it("honours AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_REKOGNITION, as the SDK does", async () => {
    restoreEnv = withEnv({
      AWS_ENDPOINT_URL_SSM: fake.endpoints.ssm,
      AWS_ENDPOINT_URL_STS: fake.endpoints.sts,
      AWS_ENDPOINT_URL_REKOGNITION: fake.endpoints.rekognition,
    });
    const model = ModelClient.fromEnvironment(FAKE_ENV, { region: fake.region, baseCredentials: async () => fake.baseCredentials });
    try {
      expect((await model.detectLabels(image))[0].name).to.equal("weld-crack");
    } finally {
      model.destroy();
    }
    expect(fake.outcome("ssm", "GetParameters")).to.equal(1);
    expect(fake.assumeRoles).to.equal(1);
    expect(fake.outcome("rekognition", "DetectCustomLabels")).to.equal(1);
  });

  it("lets the endpoints option win over the variables", async () => {
    restoreEnv = withEnv({ AWS_ENDPOINT_URL_STS: "https://sts.eu-west-1.amazonaws.com" });
    const model = ModelClient.fromEnvironment(FAKE_ENV, { region: fake.region, endpoints: fake.endpoints, baseCredentials: async () => fake.baseCredentials });
    try {
      await model.detectLabels(image);
    } finally {
      model.destroy();
    }
    expect(fake.assumeRoles).to.equal(1);
  });

  it("refuses a global STS endpoint from AWS_ENDPOINT_URL_STS, naming the variable, before any STS call", async () => {
    restoreEnv = withEnv({ AWS_ENDPOINT_URL_STS: "https://sts.amazonaws.com" });
    const model = ModelClient.fromEnvironment(FAKE_ENV, {
      region: fake.region,
      endpoints: { ssm: fake.endpoints.ssm, rekognition: fake.endpoints.rekognition },
      baseCredentials: async () => fake.baseCredentials,
    });
    try {
      const error = await rejection(model.detectLabels(image));
      expect(error).to.be.instanceOf(InvalidArgumentError).with.property("argument", "AWS_ENDPOINT_URL_STS");
      expect((error as Error).message).to.contain("regional");
    } finally {
      model.destroy();
    }
    expect(fake.counts.sts.requests).to.equal(0);
  });

  describe("the STS endpoint without a configured one (client mocked: no network)", () => {
    let sts: AwsClientStub<STSClient>;
    let rekognition: AwsClientStub<RekognitionClient>;
    beforeEach(() => {
      sts = mockClient(STSClient);
      rekognition = mockClient(RekognitionClient);
      sts.on(AssumeRoleCommand).resolves(assumeRoleOutput("ASSUMED", new Date(Date.now() + 3_600_000)));
      rekognition.onAnyCommand().resolves({ CustomLabels: [] });
    });
    afterEach(() => {
      sts.restore();
      rekognition.restore();
    });

    const stsHost = async (env: Record<string, string>) => {
      restoreEnv = withEnv(env);
      const model = ModelClient.fromExplicit({ modelVersionArn: fakeVersion("us-east-1"), sharedRoleArn: FAKE_ROLE, region: "us-east-1" });
      await model.detectLabels(image);
      model.destroy();
      return (await (stsClientOfCall({ sts } as never).config.endpoint?.()))?.hostname;
    };

    it("ignores the variables under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS and stays regional", async () => {
      expect(await stsHost({ AWS_ENDPOINT_URL_STS: "https://sts.example.internal", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })).to.equal(
        "sts.us-east-1.amazonaws.com",
      );
    });

    it("takes the regional FIPS name under AWS_USE_FIPS_ENDPOINT, never the global one, even with AWS_STS_REGIONAL_ENDPOINTS=legacy", async () => {
      expect(await stsHost({ AWS_USE_FIPS_ENDPOINT: "true", AWS_STS_REGIONAL_ENDPOINTS: "legacy" })).to.equal("sts-fips.us-east-1.amazonaws.com");
      expect(regionalStsEndpoint("us-east-1")).to.equal("https://sts.us-east-1.amazonaws.com");
      expect(regionalStsEndpoint("eusc-de-east-1")).to.equal("https://sts.eusc-de-east-1.amazonaws.eu");
    });
  });
});

describe("use-fips-endpoint: the consumer stack's optional parameter", () => {
  const REGION = "us-east-1";
  const version = fakeVersion(REGION);
  let ssm: AwsClientStub<SSMClient>;
  let sts: AwsClientStub<STSClient>;
  let hosts: string[];
  let events: ModelClientEvent[];

  /** Rekognition through the real SDK pipeline (endpoint rules, signing), answered here instead of on the network. */
  const recordingRekognition = (config: RekognitionClientConfig) =>
    new RekognitionClient({
      ...config,
      requestHandler: {
        handle: async (request: { hostname: string }) => {
          hosts.push(request.hostname);
          return {
            response: {
              statusCode: 200,
              headers: { "content-type": "application/x-amz-json-1.1" },
              body: Readable.from([Buffer.from('{"CustomLabels":[]}')]),
            },
          };
        },
      } as never,
    });

  const parametersWith = (fips: string | undefined) => {
    const values: Record<string, string> = {
      [parameterName(FAKE_ENV, "modelVersionArn")]: version,
      [parameterName(FAKE_ENV, "sharedRoleArn")]: FAKE_ROLE,
      [parameterName(FAKE_ENV, "region")]: REGION,
      ...(fips === undefined ? {} : { [optionalParameterName(FAKE_ENV, "useFipsEndpoint")]: fips }),
    };
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((name) => name in values).map((name) => ({ Name: name, Type: "String", Value: values[name] })),
      InvalidParameters: input.Names.filter((name) => !(name in values)),
    }));
  };

  const model = (options: { rekognitionEndpoint?: string } = {}) =>
    ModelClient.fromEnvironment(FAKE_ENV, {
      region: REGION,
      endpoints: options.rekognitionEndpoint === undefined ? undefined : { rekognition: options.rekognitionEndpoint },
      clientFactories: { rekognition: recordingRekognition },
      onEvent: (event) => events.push(event),
    });

  beforeEach(() => {
    ssm = mockClient(SSMClient);
    sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).resolves(assumeRoleOutput("ASSUMED", new Date(Date.now() + 3_600_000)));
    hosts = [];
    events = [];
  });
  afterEach(() => {
    ssm.restore();
    sts.restore();
  });

  it('calls rekognition-fips when the parameter is "true", and says so in the target', async () => {
    parametersWith("true");
    const client = model();
    const detection = await client.detect(image);
    client.destroy();
    expect(hosts).to.deep.equal([`rekognition-fips.${REGION}.amazonaws.com`]);
    expect(detection.target.useFipsEndpoint).to.equal(true);
  });

  for (const [what, value] of [
    ['"false"', "false"],
    ["absent (a stack deployed before the parameter existed)", undefined],
  ] as const) {
    it(`calls the standard endpoint when the parameter is ${what}`, async () => {
      parametersWith(value);
      const client = model();
      const detection = await client.detect(image);
      client.destroy();
      expect(hosts).to.deep.equal([`rekognition.${REGION}.amazonaws.com`]);
      expect(detection.target.useFipsEndpoint).to.equal(false);
    });
  }

  it("refuses a value other than true or false, naming the parameter, before any Rekognition call", async () => {
    parametersWith("yes");
    const client = model();
    const error = await rejection(client.detectLabels(image));
    client.destroy();
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key)).to.deep.equal([optionalParameterName(FAKE_ENV, "useFipsEndpoint")]);
    expect((error as Error).message).to.contain('"true" or "false"');
    expect(hosts).to.deep.equal([]);
  });

  it("refuses to send a FIPS environment's call to a configured endpoint that is not a FIPS one", async () => {
    parametersWith("true");
    const plain = model({ rekognitionEndpoint: "vpce-0a1b2c3d4e5f-abcdefgh.rekognition.us-east-1.vpce.amazonaws.com" });
    const error = await rejection(plain.detectLabels(image));
    plain.destroy();
    expect(error).to.be.instanceOf(InvalidArgumentError).with.property("argument", "endpoints.rekognition");
    expect((error as Error).message).to.contain("use-fips-endpoint");

    const fipsVpce = "vpce-0a1b2c3d4e5f-abcdefgh.rekognition-fips.us-east-1.vpce.amazonaws.com";
    const vpce = model({ rekognitionEndpoint: fipsVpce });
    await vpce.detectLabels(image);
    vpce.destroy();
    expect(hosts).to.deep.equal([fipsVpce]);
  });

  it("refuses AWS_ENDPOINT_URL_REKOGNITION when it is not a FIPS endpoint, naming the variable", async () => {
    parametersWith("true");
    const restore = withEnv({ AWS_ENDPOINT_URL_REKOGNITION: "https://rekognition.us-east-1.amazonaws.com" });
    try {
      const client = model();
      const error = await rejection(client.detectLabels(image));
      client.destroy();
      expect(error).to.be.instanceOf(InvalidArgumentError).with.property("argument", "AWS_ENDPOINT_URL_REKOGNITION");
    } finally {
      restore();
    }
  });
});

describe("use-fips-endpoint against a consumer stack older than it (SSM fake: the role may read only the three required parameters)", () => {
  const theFake = useFakeAws();

  it("reads the three required parameters alone after the whole read is denied, with FIPS off, and says so once", async () => {
    const fake = theFake();
    fake.readableParameters = new Set(["modelVersionArn", "sharedRoleArn", "region"].map((key) => parameterName(FAKE_ENV, key as "region")));
    const events: ModelClientEvent[] = [];
    const model = ModelClient.fromEnvironment(FAKE_ENV, {
      region: fake.region,
      endpoints: fake.endpoints,
      baseCredentials: async () => fake.baseCredentials,
      onEvent: (event) => events.push(event),
    });
    try {
      const detection = await model.detect(image);
      expect(detection.target.useFipsEndpoint).to.equal(false);
    } finally {
      model.destroy();
    }
    expect(fake.outcome("ssm", "AccessDeniedException")).to.equal(1);
    expect(fake.outcome("ssm", "GetParameters")).to.equal(1);
    const unreadable = events.filter((event) => event.type === "optional-parameter-unreadable");
    expect(unreadable).to.deep.equal([{ type: "optional-parameter-unreadable", environment: FAKE_ENV, parameterName: optionalParameterName(FAKE_ENV, "useFipsEndpoint") }]);
  });
});
