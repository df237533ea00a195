import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { RekognitionClient } from "@aws-sdk/client-rekognition";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { Props } from "./types";

/**
 * The provider configuration the stand-in honours, with the real provider's meaning: `region`, `assumeRoles`
 * (each role assumed in turn, starting from the ambient credentials) and `allowedAccountIds` / `forbiddenAccountIds`
 * (checked against sts:GetCallerIdentity before the first call). Endpoints come from the SDK's own settings
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), which is how the lane points it at the emulator.
 */
export interface ProviderConfig {
  readonly region: string;
  readonly assumeRoles: ReadonlyArray<{ readonly roleArn: string; readonly sessionName?: string; readonly externalId?: string }>;
  readonly allowedAccountIds: readonly string[];
  readonly forbiddenAccountIds: readonly string[];
}

/** Reads the provider's inputs (CheckConfig/Configure args); values may arrive JSON-encoded as strings. */
export function providerConfig(args: Props): ProviderConfig {
  const decode = (value: unknown): unknown => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  };
  const list = (value: unknown): unknown[] => {
    const v = decode(value);
    return Array.isArray(v) ? v : [];
  };
  const region = typeof args.region === "string" && args.region !== "" ? args.region : process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "";
  if (region === "") throw new Error("the stand-in aws provider needs a region (provider argument region, aws:region config or AWS_REGION)");
  const assumeRoles = list(args.assumeRoles ?? args.assumeRole).flatMap((r) => {
    const role = r as { roleArn?: unknown; sessionName?: unknown; externalId?: unknown };
    return typeof role?.roleArn === "string" && role.roleArn !== ""
      ? [{ roleArn: role.roleArn, sessionName: typeof role.sessionName === "string" ? role.sessionName : undefined, externalId: typeof role.externalId === "string" ? role.externalId : undefined }]
      : [];
  });
  const ids = (value: unknown) => list(value).filter((v): v is string => typeof v === "string");
  return { region, assumeRoles, allowedAccountIds: ids(args.allowedAccountIds), forbiddenAccountIds: ids(args.forbiddenAccountIds) };
}

/** SDK clients of one configured provider, created on first use; every one signs with the same credentials. */
export class AwsClients {
  private readonly credentials: AwsCredentialIdentityProvider | undefined;
  private readonly cache = new Map<string, unknown>();
  private accountCheck: Promise<string> | undefined;

  constructor(readonly config: ProviderConfig) {
    this.credentials = config.assumeRoles.length > 0 ? chainedRoleCredentials(config) : undefined;
  }

  private client<T>(name: string, make: (options: { region: string; credentials?: AwsCredentialIdentityProvider }) => T): T {
    let client = this.cache.get(name) as T | undefined;
    if (!client) {
      client = make({ region: this.config.region, ...(this.credentials ? { credentials: this.credentials } : {}) });
      this.cache.set(name, client);
    }
    return client;
  }

  get iam(): IAMClient {
    return this.client("iam", (o) => new IAMClient(o));
  }
  get ec2(): EC2Client {
    return this.client("ec2", (o) => new EC2Client(o));
  }
  get ssm(): SSMClient {
    return this.client("ssm", (o) => new SSMClient(o));
  }
  get s3(): S3Client {
    // Path-style addressing: an emulator on 127.0.0.1 has no per-bucket host names.
    return this.client("s3", (o) => new S3Client({ ...o, forcePathStyle: true }));
  }
  get organizations(): OrganizationsClient {
    return this.client("organizations", (o) => new OrganizationsClient(o));
  }
  get dynamodb(): DynamoDBClient {
    return this.client("dynamodb", (o) => new DynamoDBClient(o));
  }
  get cloudwatch(): CloudWatchClient {
    return this.client("cloudwatch", (o) => new CloudWatchClient(o));
  }
  get rekognition(): RekognitionClient {
    return this.client("rekognition", (o) => new RekognitionClient(o));
  }
  get sts(): STSClient {
    return this.client("sts", (o) => new STSClient(o));
  }

  /** The account the credentials belong to, checked once against allowedAccountIds / forbiddenAccountIds. */
  account(): Promise<string> {
    this.accountCheck ??= (async () => {
      const identity = await this.sts.send(new GetCallerIdentityCommand({}));
      const account = identity.Account ?? "";
      const { allowedAccountIds: allowed, forbiddenAccountIds: forbidden } = this.config;
      if (allowed.length > 0 && !allowed.includes(account)) {
        throw new Error(`AWS account ID not allowed: ${account} (allowedAccountIds: ${allowed.join(", ")})`);
      }
      if (forbidden.includes(account)) throw new Error(`AWS account ID not allowed: ${account} (forbiddenAccountIds)`);
      return account;
    })();
    return this.accountCheck;
  }

  partition(): string {
    return this.config.region.startsWith("cn-") ? "aws-cn" : this.config.region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  }
}

function chainedRoleCredentials(config: ProviderConfig): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > 5 * 60 * 1000) return cached;
    let credentials: AwsCredentialIdentity | undefined;
    for (const role of config.assumeRoles) {
      const sts = new STSClient({ region: config.region, ...(credentials ? { credentials } : {}) });
      const response = await sts.send(
        new AssumeRoleCommand({ RoleArn: role.roleArn, RoleSessionName: role.sessionName ?? "pulumi-standin", ...(role.externalId ? { ExternalId: role.externalId } : {}) }),
      );
      const c = response.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole on ${role.roleArn} returned no credentials`);
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    }
    cached = credentials;
    return credentials as AwsCredentialIdentity;
  };
}
