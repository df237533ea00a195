import type { SimulationInput } from "./simulator";

/**
 * What the access matrix evaluates: one request, the configuration's intent for it, and the simulator's input.
 * `expected` comes from the config (who is granted what, whether the guardrails are on), never from the policies
 * under test.
 */

export type Expectation = "Allowed" | "Denied";

/** The red-team categories, in report order. Each has a file under ./categories that turns the topology into cases. */
export const CATEGORY_IDS = ["legitimate", "cross-environment", "outside-callers", "network", "shared-role-abuse", "guardrails", "data-lake", "export", "detective", "smoke-test", "consumer-account", "copy"] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];

export interface MatrixCase {
  readonly category: CategoryId;
  /** The kind of request within its category, e.g. `assume-own-role` (without environment names). */
  readonly kind: string;
  /** What the row shows, in words. */
  readonly scenario: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly expected: Expectation;
  /** When set, the config intends this SCP's explicit Deny to stop the request (not merely a missing Allow). */
  readonly deniedBy?: string;
  /** How the resource policy (a trust policy) is named in reasons. */
  readonly resourcePolicyLabel?: string;
  readonly simulation: SimulationInput;
}
