/**
 * Client library for consumer applications: call an environment's shared Rekognition Custom Labels model version
 * through its shared role, following promotions without a redeploy. See docs/client.md.
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
  type ModelClientEvent,
  type ModelClientOptions,
} from "./ModelClient";
export {
  AssumeRoleError,
  ImageReadError,
  ImageRejectedError,
  ImageValidationError,
  InvalidArgumentError,
  ModelClientError,
  ModelNotRunningError,
  ModelVersionNotFoundError,
  NotGrantedError,
  ThrottledError,
  type CallTarget,
  type ImageCheck,
  type ImageProblem,
} from "./errors";
export {
  findImageProblems,
  findS3LocationProblems,
  IMAGE_LIMITS,
  readImageHeader,
  validateImageBytes,
  type HeaderProblem,
  type ImageFormat,
  type ImageHeader,
  type ImageLimits,
  type S3ImageLocation,
} from "./image";
export { regionalStsEndpoint, type ModelTarget, type ParameterEvent, type RefreshReason } from "./settings";
export { sharedRoleCredentials, type SharedRoleCredentialsOptions } from "./credentials";
export { ConfigError, type ConfigProblem } from "../config/problems";
