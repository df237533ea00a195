/**
 * Client library for consumer applications: call an environment's shared Rekognition Custom Labels model version
 * through its shared role (or, in a copy environment, its own copy with the application's own credentials),
 * following promotions without a redeploy. See docs/client.md.
 */
export {
  ModelClient,
  validateDetectOptions,
  type BoundingBox,
  type ClientFactories,
  type DetectedLabel,
  type Detection,
  type DetectOptions,
  type ImageInput,
  type ModelClientCounters,
  type ModelClientEvent,
  type ModelClientOptions,
  type RetryOptions,
} from "./ModelClient";
export { S3_IMAGES_UNSUPPORTED } from "./request";
export {
  AssumeRoleError,
  CallAbortedError,
  CallTimeoutError,
  ImageReadError,
  ImageRejectedError,
  ImageValidationError,
  InvalidArgumentError,
  ModelClientError,
  ModelNotRunningError,
  ModelVersionNotFoundError,
  NotCopiedYetError,
  NotGrantedError,
  ParameterReadError,
  RekognitionCallError,
  SessionRejectedError,
  ThrottledError,
  type CallPhase,
  type CallTarget,
  type ImageCheck,
  type ImageProblem,
} from "./errors";
export { classifyFailure, type FailureFacts, type FailureKind } from "./failures";
export {
  findImageProblems,
  IMAGE_LIMITS,
  readImageHeader,
  validateImageBytes,
  type HeaderProblem,
  type ImageFormat,
  type ImageHeader,
  type ImageLimits,
} from "./image";
export { type ModelTarget } from "./settings";
export { type ParameterEvent, type RefreshReason } from "./parameters";
export { regionalStsEndpoint } from "./endpoints";
export { sharedRoleCredentials, SharedRoleCredentials, type SharedRoleCredentialsOptions } from "./credentials";
export { type LookupCounters, type ServiceCounters } from "./metrics";
export { ConfigError, type ConfigProblem } from "./configError";
// The parameter contract (also `@modelshare/client/contract`, which loads no SDK client).
export * from "./parameterNames";
