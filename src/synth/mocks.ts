import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
// MockMonitor is not re-exported from the runtime index; subclassing it is the one way to see each
// resource's parent, which the Mocks interface does not receive.
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { OrganizationView } from "../config/placement";

/**
 * Pulumi mocks that behave like AWS closely enough to review a deployment offline: ids and ARNs are built
 * from the inputs and from the account and region of the provider each resource goes to (a role's ARN from its
 * provider's account, path and name), never placeholders that would hide a wrong account. Every resource is
 * recorded with its parent and provider. Used by the unit tests and by `modelshare synth`.
 */

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `type::name` of the parent resource, if any. */
  parent?: string;
  /** Registered with `protect: true` (Pulumi refuses to delete it). */
  readonly protect: boolean;
  /** Registered with `retainOnDelete: true` (Pulumi drops it from the state instead of deleting it). */
  readonly retainOnDelete: boolean;
  /** Names of the resource's aliases (what it was called before), for renames that must not replace it. */
  readonly aliasNames: readonly string[];
  /** Name of the explicit provider resource, or "default". */
  readonly provider: string;
  /** Account and region of the provider (from allowedAccountIds / assumeRoles / region). */
  readonly account?: string;
  readonly region?: string;
  readonly inputs: Record<string, unknown>;
  readonly id?: string;
  readonly state: Record<string, unknown>;
  readonly custom: boolean;
}

interface ProviderInfo {
  readonly name: string;
  readonly account?: string;
  readonly region?: string;
}

export interface RecorderDefaults {
  /** Account used for resources without an explicit provider (the ambient credentials' account). */
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

function decodeJson(value: unknown): unknown {
  return typeof value === "string" && /^[[{]/.test(value) ? JSON.parse(value) : value;
}

/**
 * A data source's failure as the engine hands it to the program: a gRPC error whose `details` carry the provider's
 * message (the SDK rethrows `new Error(err.details)`), so a lookup sees the provider's words under mocks too.
 */
function providerError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

function accountOfRoleArn(arn: unknown): string | undefined {
  return typeof arn === "string" ? /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] : undefined;
}

/** A data source the program called (an AWS lookup), as the engine received it. */
export interface RecordedLookup {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

export class ResourceRecorder implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** Every data source the program called since the last reset, failed ones included. */
  readonly lookups: RecordedLookup[] = [];
  /** Outputs served to StackReferences, by full stack name. */
  readonly stackOutputs = new Map<string, Record<string, unknown>>();
  /** Current policies of existing buckets, as S3 returns them (JSON text); a bucket not listed has none. */
  readonly bucketPolicies = new Map<string, string>();
  /** IAM roles that already exist in the account the program looks into (none by default). */
  readonly existingRoles: { name: string; path: string; tags: Record<string, string>; assumeRolePolicy?: string }[] = [];
  /**
   * What GetRole answers for a role not in existingRoles (the exempt and deploy roles modelshare does not create):
   * offline nobody knows their real trust, so by default they exist and trust nobody, and the deploy-time trust
   * check (stacks/lookups/roleTrust.ts) passes; undefined: such a role does not exist. Tests set trusts to probe it.
   */
  readonly roleTrusts = new Map<string, string>();
  unknownRoleTrust: string | undefined = JSON.stringify({ Version: "2012-10-17", Statement: [] });
  /** Interface endpoints that already exist in existing VPCs (none by default). */
  readonly existingEndpoints: { id: string; vpcId: string; serviceName: string; privateDnsEnabled: boolean; ownerId: string }[] = [];
  /** Private hosted zones associated with existing VPCs (none by default). */
  readonly privateHostedZones: { zoneId: string; name: string; vpcIds: string[] }[] = [];
  /** AZs each endpoint service is offered in (default: the region's a, b and c). */
  readonly endpointServiceZones = new Map<string, string[]>();
  /** AZ of each existing subnet (default: the region's a). */
  readonly subnetZones = new Map<string, string>();
  /** AWS Config configuration recorders that already exist, by name, as Cloud Control describes them (none by default). */
  readonly configRecorders = new Map<string, Record<string, unknown>>();
  /** DNS attributes of existing VPCs the program looks up (default: both on, as a VPC fit for endpoints has). */
  readonly vpcAttributes = new Map<string, { enableDnsSupport: boolean; enableDnsHostnames: boolean }>();
  /** Names of referenced stacks' outputs served as secrets (as `pulumi config set --secret` / pulumi.secret() outputs are). */
  readonly secretStackOutputs = new Set<string>();
  /**
   * The organization Organizations reports (management account, accounts under each OU or root): `organization` when a
   * test sets one, else the one the running ML stack's config declares (set by synth and the test helpers).
   */
  organization?: OrganizationView;
  declaredOrganization?: OrganizationView;
  /** What a StackReference of the stack now running is served of a referenced stack's outputs (default: all). */
  stackReferenceView: (outputs: Record<string, unknown>) => Record<string, unknown> = (outputs) => outputs;
  private readonly providersByName = new Map<string, ProviderInfo>();
  private readonly parentsByKey = new Map<string, string>();
  private readonly optionsByKey = new Map<string, { protect: boolean; retainOnDelete: boolean; aliasNames: string[] }>();

  constructor(private defaults: RecorderDefaults) {}

  setDefaults(defaults: RecorderDefaults): void {
    this.defaults = defaults;
  }

  /** Forget what was recorded (between tests or stacks); stack outputs are kept. */
  reset(): void {
    this.resources.length = 0;
    this.lookups.length = 0;
    this.providersByName.clear();
    this.parentsByKey.clear();
    this.optionsByKey.clear();
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  byName(type: string, name: string): RecordedResource {
    const found = this.resources.find((r) => r.type === type && r.name === name);
    if (!found) {
      const names = this.ofType(type).map((r) => r.name);
      throw new Error(`no ${type} named ${name} was registered (registered: ${names.join(", ") || "none"})`);
    }
    return found;
  }

  /** Called by the monitor before the resource is created, so parent and options are known when it is recorded. */
  noteRegistration(type: string, name: string, parentUrn: string, options: { protect: boolean; retainOnDelete: boolean; aliasNames: string[] }): void {
    this.optionsByKey.set(`${type}::${name}`, options);
    if (!parentUrn) return;
    const [, , qualifiedType, parentName] = parentUrn.split("::");
    const parentType = qualifiedType.split("$").pop() ?? qualifiedType;
    this.parentsByKey.set(`${type}::${name}`, `${parentType}::${parentName}`);
  }

  private providerOf(reference: string | undefined): ProviderInfo {
    if (!reference) return { name: "default", account: this.defaults.account, region: this.defaults.region };
    // A provider reference is "URN::ID"; the URN ends with the provider's name (provider names are unique here).
    const name = reference.slice(0, reference.lastIndexOf("::")).split("::").pop() ?? reference;
    return this.providersByName.get(name) ?? { name };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const provider = this.providerOf(args.provider);
    const account = provider.account ?? this.defaults.account;
    const region = provider.region ?? this.defaults.region;
    const partition = this.defaults.partition ?? "aws";
    const hash = shortHash(args.type, args.name);
    const { id, state } = this.realisticState(args, inputs, { account, region, partition, hash });

    if (args.type === "pulumi:providers:aws") {
      // Providers receive their non-string inputs as JSON strings.
      const allowed = decodeJson(inputs.allowedAccountIds) as string[] | undefined;
      // A chain (the user's aws:assumeRoles, then modelshare's) ends in the provider's account.
      const assumed = (decodeJson(inputs.assumeRoles) as { roleArn?: string }[] | undefined)?.at(-1)?.roleArn;
      const info: ProviderInfo = {
        name: args.name,
        account: allowed?.[0] ?? accountOfRoleArn(assumed),
        region: typeof inputs.region === "string" ? inputs.region : undefined,
      };
      this.providersByName.set(args.name, info);
    }

    this.resources.push({
      type: args.type,
      name: args.name,
      parent: this.parentsByKey.get(`${args.type}::${args.name}`),
      protect: this.optionsByKey.get(`${args.type}::${args.name}`)?.protect ?? false,
      retainOnDelete: this.optionsByKey.get(`${args.type}::${args.name}`)?.retainOnDelete ?? false,
      aliasNames: this.optionsByKey.get(`${args.type}::${args.name}`)?.aliasNames ?? [],
      provider: provider.name,
      // Only AWS resources live in an account; components, providers and stack references do not.
      account: args.type.startsWith("aws:") ? account : undefined,
      region: args.type.startsWith("aws:") ? region : undefined,
      inputs,
      id,
      state,
      custom: args.custom !== false,
    });
    return { id, state };
  }

  private realisticState(
    args: pulumi.runtime.MockResourceArgs,
    inputs: Record<string, unknown>,
    ctx: { account: string; region: string; partition: string; hash: string },
  ): { id: string | undefined; state: Record<string, unknown> } {
    const { account, region, partition, hash } = ctx;
    // AWS auto-names resources from the logical name plus a random suffix when no name is given.
    const physicalName = (typeof inputs.name === "string" ? inputs.name : `${args.name}-${hash.slice(0, 7)}`) as string;
    switch (args.type) {
      case "pulumi:pulumi:StackReference": {
        const stackName = String(inputs.name);
        const outputs = this.stackOutputs.get(stackName);
        if (!outputs) throw new Error(`stack reference to unknown stack "${stackName}" (known: ${[...this.stackOutputs.keys()].join(", ") || "none"})`);
        const served = this.stackReferenceView(outputs);
        const secretOutputNames = Object.keys(served).filter((name) => this.secretStackOutputs.has(name));
        return { id: stackName, state: { ...inputs, outputs: served, secretOutputNames } };
      }
      case "aws:iam/role:Role": {
        const path = (inputs.path as string | undefined) ?? "/";
        return {
          id: physicalName,
          state: { ...inputs, name: physicalName, path, arn: `arn:${partition}:iam::${account}:role${path}${physicalName}`, uniqueId: `AROA${hash.slice(0, 17).toUpperCase()}` },
        };
      }
      case "aws:iam/rolePolicy:RolePolicy":
        return { id: `${String(inputs.role)}:${physicalName}`, state: { ...inputs, name: physicalName } };
      case "aws:iam/policy:Policy":
        return { id: `arn:${partition}:iam::${account}:policy/${physicalName}`, state: { ...inputs, name: physicalName, arn: `arn:${partition}:iam::${account}:policy/${physicalName}` } };
      case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        return { id: `${String(inputs.role)}-${hash.slice(0, 8)}`, state: inputs };
      case "aws:organizations/policy:Policy": {
        const policyId = `p-${hash.slice(0, 8)}`;
        return { id: policyId, state: { ...inputs, arn: `arn:${partition}:organizations::${account}:policy/o-exampleorg/service_control_policy/${policyId}` } };
      }
      case "aws:organizations/policyAttachment:PolicyAttachment":
        return { id: `${String(inputs.targetId)}:${String(inputs.policyId)}`, state: inputs };
      case "aws:rekognition/project:Project": {
        const timestamp = String(1_700_000_000_000 + (parseInt(hash.slice(0, 8), 16) % 100_000_000));
        return { id: physicalName, state: { ...inputs, arn: `arn:${partition}:rekognition:${region}:${account}:project/${physicalName}/${timestamp}` } };
      }
      case "aws:s3/bucketPolicy:BucketPolicy":
        return { id: String(inputs.bucket), state: inputs };
      case "aws:ec2/vpc:Vpc":
        return { id: `vpc-${hash.slice(0, 17)}`, state: { ...inputs, arn: `arn:${partition}:ec2:${region}:${account}:vpc/vpc-${hash.slice(0, 17)}` } };
      case "aws:ec2/subnet:Subnet":
        return { id: `subnet-${hash.slice(0, 17)}`, state: inputs };
      case "aws:ec2/routeTable:RouteTable":
        return { id: `rtb-${hash.slice(0, 17)}`, state: { ...inputs, arn: `arn:${partition}:ec2:${region}:${account}:route-table/rtb-${hash.slice(0, 17)}` } };
      case "aws:ec2/routeTableAssociation:RouteTableAssociation":
        return { id: `rtbassoc-${hash.slice(0, 17)}`, state: inputs };
      case "aws:ec2/securityGroup:SecurityGroup":
        return { id: `sg-${hash.slice(0, 17)}`, state: { ...inputs, arn: `arn:${partition}:ec2:${region}:${account}:security-group/sg-${hash.slice(0, 17)}` } };
      case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
        return { id: `sgr-${hash.slice(0, 17)}`, state: inputs };
      case "aws:ec2/vpcEndpoint:VpcEndpoint": {
        const endpointId = `vpce-${hash.slice(0, 17)}`;
        const service = String(inputs.serviceName ?? "").split(".").pop();
        return {
          id: endpointId,
          state: {
            ...inputs,
            arn: `arn:${partition}:ec2:${region}:${account}:vpc-endpoint/${endpointId}`,
            dnsEntries: [{ dnsName: `${endpointId}-${hash.slice(0, 8)}.${service}.${region}.vpce.amazonaws.com`, hostedZoneId: "Z7HUB22UULQXV" }],
          },
        };
      }
      case "aws:lambda/function:Function":
        return { id: physicalName, state: { ...inputs, name: physicalName, arn: `arn:${partition}:lambda:${region}:${account}:function:${physicalName}` } };
      case "aws:lambda/permission:Permission":
        return { id: `${String(inputs.function)}/${String(inputs.statementId)}`, state: inputs };
      case "aws:ssm/parameter:Parameter":
        return {
          id: physicalName,
          state: { ...inputs, arn: `arn:${partition}:ssm:${region}:${account}:parameter/${physicalName.replace(/^\//, "")}`, version: 1 },
        };
      case "aws:accessanalyzer/analyzer:Analyzer": {
        const name = String(inputs.analyzerName);
        return { id: name, state: { ...inputs, arn: `arn:${partition}:access-analyzer:${region}:${account}:analyzer/${name}` } };
      }
      case "aws:accessanalyzer/archiveRule:ArchiveRule":
        return { id: `${String(inputs.analyzerName)}/${String(inputs.ruleName)}`, state: inputs };
      case "aws:cfg/rule:Rule": {
        // Config assigns the id in a rule's ARN; the name is only an attribute.
        const ruleId = `config-rule-${hash.slice(0, 6)}`;
        return { id: physicalName, state: { ...inputs, name: physicalName, ruleId, arn: `arn:${partition}:config:${region}:${account}:config-rule/${ruleId}` } };
      }
      case "aws:cfg/recorder:Recorder":
      case "aws:cfg/deliveryChannel:DeliveryChannel":
      case "aws:cfg/recorderStatus:RecorderStatus":
        return { id: String(inputs.name ?? "default"), state: { ...inputs, name: inputs.name ?? "default" } };
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        return { id: physicalName, state: { ...inputs, name: physicalName, arn: `arn:${partition}:cloudwatch:${region}:${account}:alarm:${physicalName}` } };
      case "pulumi:providers:aws":
        return { id: `provider-${hash.slice(0, 12)}`, state: inputs };
      default:
        return { id: args.custom === false ? undefined : `${physicalName}-id`, state: inputs };
    }
  }

  private organizationOrFail(): OrganizationView {
    const organization = this.organization ?? this.declaredOrganization;
    if (!organization) throw providerError("modelshare's mocks know no organization: set recorder.organization (or declaredOrganization from the ML config)");
    return organization;
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    this.lookups.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
    const provider = this.providerOf(args.provider);
    const account = provider.account ?? this.defaults.account;
    const region = provider.region ?? this.defaults.region;
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { accountId: account, arn: `arn:aws:sts::${account}:assumed-role/modelshare-pipeline/synth`, userId: "AROAEXAMPLE:synth" };
      case "aws:index/getRegion:getRegion":
        return { name: region, region, id: region };
      case "aws:index/getPartition:getPartition":
        return { partition: this.defaults.partition ?? "aws", dnsSuffix: "amazonaws.com" };
      case "aws:ec2/getVpc:getVpc": {
        const id = String(args.inputs.id);
        const attributes = this.vpcAttributes.get(id) ?? { enableDnsSupport: true, enableDnsHostnames: true };
        return { id, ...attributes, arn: `arn:aws:ec2:${region}:${account}:vpc/${id}`, ownerId: account, cidrBlock: "10.0.0.0/16", state: "available" };
      }
      case "aws:s3/getBucketPolicy:getBucketPolicy": {
        const bucket = String(args.inputs.bucket);
        const policy = this.bucketPolicies.get(bucket);
        // As the provider reports GetBucketPolicy's NoSuchBucketPolicy for a bucket without a policy.
        if (policy === undefined) throw providerError(`reading S3 Bucket (${bucket}) Policy: couldn't find resource (NoSuchBucketPolicy: The bucket policy does not exist)`);
        return { bucket, id: bucket, policy, region };
      }
      case "aws:ec2/getVpcEndpointService:getVpcEndpointService": {
        // As DescribeVpcEndpointServices answers: where the service is offered and the name private DNS takes over.
        const serviceName = String(args.inputs.serviceName);
        const service = serviceName.split(".").slice(3);
        return {
          id: serviceName,
          serviceName,
          serviceType: service[0] === "s3" ? "Gateway" : "Interface",
          availabilityZones: this.endpointServiceZones.get(serviceName) ?? [`${region}a`, `${region}b`, `${region}c`],
          privateDnsName: service[0] === "s3" ? "" : `${[...service].reverse().join(".")}.${region}.amazonaws.com`,
          owner: "amazon",
          acceptanceRequired: false,
        };
      }
      case "aws:ec2/getVpcEndpoint:getVpcEndpoint": {
        const matches = this.existingEndpoints.filter((e) => e.vpcId === args.inputs.vpcId && e.serviceName === args.inputs.serviceName);
        // The provider's singular data source: exactly one match, or an error saying none or several.
        if (matches.length === 0) throw providerError("no matching EC2 VPC Endpoint found");
        if (matches.length > 1) throw providerError("multiple EC2 VPC Endpoints matched; use additional constraints to reduce matches to a single EC2 VPC Endpoint");
        const [e] = matches;
        return { id: e.id, vpcId: e.vpcId, serviceName: e.serviceName, privateDnsEnabled: e.privateDnsEnabled, ownerId: e.ownerId, vpcEndpointType: "Interface", state: "available" };
      }
      case "aws:route53/getZone:getZone": {
        const name = String(args.inputs.name).replace(/\.$/, "");
        const matches = this.privateHostedZones.filter((z) => z.name === name && z.vpcIds.includes(String(args.inputs.vpcId)));
        if (matches.length === 0) throw providerError("no matching Route 53 Hosted Zone found");
        if (matches.length > 1) throw providerError("multiple Route 53 Hosted Zones matched; use additional constraints to reduce matches to a single Route 53 Hosted Zone");
        return { id: matches[0].zoneId, zoneId: matches[0].zoneId, name, privateZone: true };
      }
      case "aws:iam/getRoles:getRoles": {
        const pathPrefix = String(args.inputs.pathPrefix ?? "/");
        const listed = this.existingRoles.filter((r) => r.path.startsWith(pathPrefix));
        return { id: account, names: listed.map((r) => r.name), arns: listed.map((r) => `arn:aws:iam::${account}:role${r.path}${r.name}`) };
      }
      case "aws:iam/getRole:getRole": {
        const name = String(args.inputs.name);
        const role = this.existingRoles.find((r) => r.name === name);
        const trust = role?.assumeRolePolicy ?? this.roleTrusts.get(name) ?? (role ? undefined : this.unknownRoleTrust);
        if (!role && trust === undefined) throw providerError(`reading IAM Role (${name}): couldn't find resource`);
        const path = role?.path ?? "/";
        return { id: name, name, path, arn: `arn:aws:iam::${account}:role${path}${name}`, tags: role?.tags ?? {}, ...(trust !== undefined ? { assumeRolePolicy: trust } : {}) };
      }
      case "aws:organizations/getOrganization:getOrganization": {
        const organization = this.organizationOrFail();
        return { id: "o-exampleorg", arn: `arn:aws:organizations::${organization.managementAccountId}:organization/o-exampleorg`, featureSet: "ALL", masterAccountId: organization.managementAccountId, masterAccountArn: `arn:aws:organizations::${organization.managementAccountId}:account/o-exampleorg/${organization.managementAccountId}`, masterAccountEmail: "", masterAccountName: "", accounts: [], nonMasterAccounts: [], roots: [], awsServiceAccessPrincipals: [], enabledPolicyTypes: [] };
      }
      case "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts": {
        const parentId = String(args.inputs.parentId);
        const accounts = this.organizationOrFail().accountsUnder.get(parentId);
        // As Organizations answers ListAccountsForParent for an id it does not know.
        if (accounts === undefined) throw providerError(`listing Organizations Accounts (${parentId}): ParentNotFoundException: You specified a root or OU that doesn't exist.`);
        return { id: parentId, parentId, accounts: accounts.map((id) => ({ id, arn: `arn:aws:organizations::${this.organizationOrFail().managementAccountId}:account/o-exampleorg/${id}`, email: "", joinedMethod: "INVITED", joinedTimestamp: "", name: id, state: "ACTIVE", status: "ACTIVE" })) };
      }
      case "aws:ec2/getSubnet:getSubnet": {
        const id = String(args.inputs.id);
        return { id, availabilityZone: this.subnetZones.get(id) ?? `${region}a`, vpcId: "", state: "available" };
      }
      case "aws:cloudcontrol/getResource:getResource": {
        const typeName = String(args.inputs.typeName);
        const identifier = String(args.inputs.identifier);
        const properties = typeName === "AWS::Config::ConfigurationRecorder" ? this.configRecorders.get(identifier) : undefined;
        // As the provider reports Cloud Control's ResourceNotFoundException (internal/service/cloudcontrol/find.go).
        if (properties === undefined) throw providerError(`reading Cloud Control API (${typeName}) Resource (${identifier}): couldn't find resource`);
        return { id: identifier, identifier, typeName, properties: JSON.stringify(properties), region };
      }
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { names: [`${region}a`, `${region}b`, `${region}c`], zoneIds: ["use1-az1", "use1-az2", "use1-az4"], state: "available" };
      default:
        throw providerError(`modelshare's mocks do not answer the data source ${args.token}; add it to src/synth/mocks.ts`);
    }
  }
}

/** A mock monitor that tells the recorder each resource's parent and protection before the resource is created. */
class RecordingMonitor extends MockMonitor {
  constructor(private readonly recorder: ResourceRecorder) {
    super(recorder);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
    // Alias specs name the resource's former name (aliases given as { name }); plain URN aliases are kept whole.
    const aliasNames = (req.getAliasesList?.() ?? []).map((alias: any) => (alias.hasSpec?.() ? alias.getSpec().getName() : String(alias.getUrn?.() ?? "").split("::").pop()) as string).filter(Boolean);
    this.recorder.noteRegistration(req.getType(), req.getName(), req.getParent(), { protect: req.getProtect(), retainOnDelete: req.getRetainondelete() === true, aliasNames });
    await super.registerResource(req, callback);
  }
}

/** Installs the recorder as Pulumi's mocks for a stack. Call before the program constructs resources. */
export async function installMocks(recorder: ResourceRecorder, project: string, stack: string): Promise<void> {
  await pulumi.runtime.setMocks(recorder, project, stack, false);
  pulumi.runtime.setMockOptions(new RecordingMonitor(recorder), project, stack, false);
  // setMockOptions resets the monitor's features; the engine supports structured aliases, and without them the
  // SDK drops `{ name }` aliases of top-level resources, so a rename's alias would not reach the recorder.
  getRuntimeStore().supportsAliasSpecs = true;
}

/** The SDK's runtime state (not re-exported from its index; the feature flags live there). */
function getRuntimeStore(): { supportsAliasSpecs: boolean } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("@pulumi/pulumi/runtime/state") as { getStore(): { supportsAliasSpecs: boolean } }).getStore();
}

/**
 * Resolves when every resource the program constructed has been registered: Pulumi's own drain (every
 * registration holds an RPC keep-alive from its constructor on), the wait the runtime makes before a program
 * exits. It is marked internal in the SDK's typings, hence the typed lookup.
 */
export async function settle(): Promise<void> {
  const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof waitForRPCs !== "function") {
    throw new Error("this @pulumi/pulumi has no runtime.waitForRPCs: modelshare's mocks need the version package-lock.json pins");
  }
  await waitForRPCs();
}

/** The value of an Output, for tests and synth (never an unknown under mocks outside preview). */
export function promiseOf<T>(output: pulumi.Output<T> | T): Promise<T> {
  if (!pulumi.Output.isInstance(output)) return Promise.resolve(output);
  return new Promise((resolve) => (output as pulumi.Output<T>).apply((value) => resolve(value)));
}

/** Resolves every Output inside a plain object (a stack's outputs). */
export async function resolveDeep(value: unknown): Promise<unknown> {
  const resolved = await promiseOf(value as pulumi.Output<unknown>);
  if (Array.isArray(resolved)) return Promise.all(resolved.map(resolveDeep));
  if (resolved && typeof resolved === "object" && !pulumi.Resource.isInstance(resolved)) {
    const entries = await Promise.all(Object.entries(resolved).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
    return Object.fromEntries(entries);
  }
  return resolved;
}
