import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { delimiter, join } from "node:path";
import { REPO } from "./project";

export interface LaneEnvOptions {
  /** Folder with the built `pulumi` and `pulumi-language-nodejs`. */
  readonly engineBin: string;
  /** Scratch folder: PULUMI_HOME and the file backend live here. */
  readonly home: string;
  readonly motoUrl: string;
  readonly rekognitionUrl: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
  readonly projectDir: string;
}

/**
 * The environment of everything the lane starts (the modelshare CLI, the pulumi CLI it drives, the plugins the
 * engine starts): the built CLI and the stand-in provider first on PATH, a private PULUMI_HOME, a file backend, a
 * passphrase, nothing downloaded (automatic plugin acquisition and the update check off), and every AWS SDK
 * pointed at the emulator (AWS_ENDPOINT_URL) except Rekognition, which goes to the fake.
 */
export function laneEnv(options: LaneEnvOptions): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AWS_|PULUMI_)/.test(key)));
  return {
    ...inherited,
    PATH: [options.engineBin, join(REPO, "tools", "aws-standin", "bin"), process.env.PATH ?? ""].join(delimiter),
    PULUMI_HOME: join(options.home, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${join(options.home, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-lane",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // `npm test` type-checks the program; the lane runs it as ts-node would after that check.
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    AWS_REGION: options.region,
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
    ...(options.credentials.sessionToken ? { AWS_SESSION_TOKEN: options.credentials.sessionToken } : {}),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL: options.motoUrl,
    AWS_ENDPOINT_URL_REKOGNITION: options.rekognitionUrl,
    MODELSHARE_PROJECT_DIR: options.projectDir,
  };
}
