/**
 * `modelshare` as a library for other Pulumi programs: the components (resource wiring, each with its `Args`), the
 * pure policy builders whose documents the components take, and the names shared between stacks. Another program
 * composes them, e.g. examples/pulumi-program/index.ts:
 *
 *     import { PrivateRekognitionEndpoint, SharedModelRole, sharedRolePermissionsPolicy } from "modelshare";
 *
 * The components register the same type tokens (`modelshare:index:<Name>`) as modelshare's own stacks. The
 * application-side client is its own package, `@modelshare/client`. (The Pulumi program's entry point is ../index.ts.)
 */

// Components
export { SharedModelRole, type SharedModelRoleArgs } from "../components/SharedModelRole";
export { PrivateRekognitionEndpoint, type PrivateRekognitionEndpointArgs } from "../components/PrivateRekognitionEndpoint";
export { GuardrailSCP, type GuardrailSCPArgs } from "../components/GuardrailSCP";
export { ApplicationAccess, type ApplicationAccessArgs } from "../components/ApplicationAccess";
export { ConfigurationStore, type ConfigurationStoreArgs } from "../components/ConfigurationStore";
export { DataLakeBucketPolicy, type DataLakeBucketPolicyArgs } from "../components/DataLakeBucketPolicy";
export { PromotionLease, type PromotionLeaseArgs } from "../components/PromotionLease";

// Policy documents: typed, built by pure functions, turned into JSON only at the resource (toJson)
export { policyDocument, policySize, toJson, type Condition, type ConditionOperator, type PolicyDocument, type Principal, type Statement } from "./policies/document";
export {
  DETECT_ACTION,
  sharedRolePermissionsPolicy,
  sharedRoleTrustPolicy,
  type PrivateAccess,
  type SharedRolePermissionsInput,
  type SharedRoleTrustInput,
} from "./policies/sharedRole";
export { applicationPolicy, applicationTrustPolicy, rekognitionEndpointPolicy, ssmEndpointPolicy, stsEndpointPolicy } from "./policies/consumer";
export { consumerGuardrailPolicy, leaseTableGuardrailStatement, mlGuardrailPolicy, type LeaseTableGuardrailInput, type MlGuardrailInput } from "./policies/guardrail";
export { dataLakeStatements, trainingPrincipalPolicy, type DataLakeGrantInput } from "./policies/dataLake";
export { ecrLayerBucketEndpointPolicy } from "./policies/network";

// Names and ARNs shared by the stacks, the CLI and applications
export { accountRootArn, parseProjectArn, parseProjectVersionArn, parseRoleArn, roleArn, type ProjectArn, type ProjectVersionArn, type RoleArn } from "./arn";
export { computeEndpointServices, endpointServiceName } from "./network";
export { ML_OUTPUTS, parameterName, parameterPrefix, PARAMETER_NAMES, SHARED_ROLE_PATH, sharedRoleName, standardTags } from "./contract";
