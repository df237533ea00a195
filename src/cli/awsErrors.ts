/**
 * One line saying what to check, for the AWS SDK errors a user can fix: an SDK message alone ("Could not load
 * credentials from any providers", "Region is missing", "getaddrinfo ENOTFOUND ...") does not say where to look.
 */
export function explainAwsError(error: unknown): string | undefined {
  const e = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; hostname?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === "string" ? e.name : "";
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof error === "string" ? error : typeof e.message === "string" ? e.message : "";
  if (name === "CredentialsProviderError" || /could not load credentials|credential (is|are) missing|unable to locate credentials/i.test(message)) {
    return "no AWS credentials were found: set AWS_PROFILE to a profile of ~/.aws/config (and run `aws sso login` for an SSO profile), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; check with `aws sts get-caller-identity`";
  }
  if (/region is missing|missing region/i.test(message)) {
    return "no AWS region is set: export AWS_REGION (e.g. AWS_REGION=us-east-1), set region in the profile, or pass --region where the command has it";
  }
  if (/ExpiredToken|token (has|is) expired|security token included in the request is expired/i.test(`${name} ${message}`)) {
    return "the AWS credentials have expired: refresh them (`aws sso login`, or new session credentials) and run the command again";
  }
  const host = typeof e.hostname === "string" ? e.hostname : /(?:ENOTFOUND|EAI_AGAIN)\s+(\S+)/.exec(message)?.[1];
  if (["ENOTFOUND", "EAI_AGAIN"].includes(code) || /getaddrinfo (ENOTFOUND|EAI_AGAIN)/.test(message)) {
    return `the endpoint name ${host ?? ""} does not resolve: check the network and DNS; inside a VPC check that the interface endpoint has private DNS on, or pass its DNS name with --sts-endpoint / --rekognition-endpoint / --ssm-endpoint`.replace("name  does", "name does");
  }
  if (["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET"].includes(code) || name === "TimeoutError") {
    return "the AWS endpoint did not answer: check the network path (proxy, security group of the VPC endpoint, firewall) and try again";
  }
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden/i.test(name) || e.$metadata?.httpStatusCode === 403 || /not authorized to perform|AccessDenied/i.test(message)) {
    const action = /perform: (\S+)/.exec(message)?.[1];
    return `AWS denied ${action ?? "the call"}: check the IAM policy of the identity running modelshare (\`aws sts get-caller-identity\`; promotion needs the pipeline policy of README "Deploying"), any SCP of its account and the VPC endpoint policy`;
  }
  return undefined;
}
