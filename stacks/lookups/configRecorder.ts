import * as aws from "@pulumi/aws";
import { RecorderProperties } from "../../src/detective/recorder";

/**
 * The configuration recorder of that name in the provider's account and Region, through Cloud Control
 * (aws.cloudcontrol.getResource, type AWS::Config::ConfigurationRecorder, identified by its name), or undefined when
 * there is none. The data source reports a missing resource as "couldn't find resource" (terraform-provider-aws,
 * internal/service/cloudcontrol/find.go: ResourceNotFoundException, and HandlerFailureException "not found", become
 * a NotFoundError); any other failure (permissions, throttling) propagates.
 */
export async function configRecorder(name: string, provider: aws.Provider): Promise<RecorderProperties | undefined> {
  try {
    const found = await aws.cloudcontrol.getResource({ typeName: "AWS::Config::ConfigurationRecorder", identifier: name }, { provider });
    return JSON.parse(found.properties) as RecorderProperties;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/couldn't find resource|ResourceNotFoundException|not found/i.test(message)) return undefined;
    throw error;
  }
}
