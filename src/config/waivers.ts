import { z } from "zod";

/**
 * `modelshare:waivers`: accepted findings of the rules (src/rules), like cdk-nag's suppressions. Each stack lists its
 * own in its Pulumi.<stack>.yaml, so a waiver is reviewed with the stack it changes and `pulumi preview` sees the same
 * list as `modelshare synth`. The shape is checked here; whether the rule and the resource exist is checked against
 * the rules and the synthesized resources (src/rules/waivers.ts). Waivers apply to rule findings only: the access
 * matrix is a proof, not a lint, and none of its rows can be waived.
 */

/** How rule ids are written (`no-wildcard-allow`). */
export const RULE_ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function isCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/**
 * The last day a waiver applies (UTC), as YYYY-MM-DD. An unquoted date in YAML may reach the program as a midnight
 * timestamp (YAML's timestamp type, turned into JSON by the engine), so `2027-01-31T00:00:00Z` is read as that day.
 */
const expiryDate = z
  .string()
  .transform((value) => value.trim().replace(/T00:00(:00(\.0+)?)?(Z|\+00:00)$/, ""))
  .pipe(
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD: the last day (UTC) the waiver applies")
      .refine(isCalendarDate, "is not a calendar date"),
  );

export const waiverSchema = z.strictObject({
  /** The id of the rule whose findings are accepted, e.g. no-wildcard-allow. */
  rule: z.string().regex(RULE_ID_PATTERN, "must be a rule id such as no-wildcard-allow (`modelshare synth` lists every rule with its id)"),
  /** The resource: its Pulumi name (shared-qa-role), `type::name`, the `stack/type::name` synth prints, or its URN. */
  resource: z.string().trim().min(1, "must name a resource of this stack: its name (e.g. shared-qa-role), type::name, or its URN"),
  /** Why the finding is accepted; shown next to it in every report. */
  reason: z.string({ error: "is required: say why the finding is accepted" }).trim().min(1, "must not be empty: say why the finding is accepted"),
  /** Optional last day (UTC) the waiver applies; from the next day on it is an error. */
  expires: expiryDate.optional(),
});

export type Waiver = z.infer<typeof waiverSchema>;

export const waiversSchema = z.array(waiverSchema).default([]);
