/**
 * The package's library entry point: what an application imports to call the shared model.
 * (The Pulumi program's entry point is ../index.ts.)
 */
export * from "./client";
export { parameterName, PARAMETER_NAMES } from "./contract";
