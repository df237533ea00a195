import { archives, ArchiveFilter, ArchiveFilterKey } from "../detective/archiveRules";
import { findingOfRequest } from "../detective/findings";
import type { MatrixCase, MatrixRow } from "../matrix";
import type { StackLike } from "../matrix/topology";
import { resourceLabel, TYPES } from "./documents";
import type { Finding } from "./types";

/**
 * A check that needs the access matrix, so synth runs it after the matrix (not one of RULES): the analyzer's archive
 * rules archive no (principal, resource) pair the matrix denies, and every cross-account pair the matrix allows on a
 * shared role or the data-lake bucket is archived. Archive rules cannot filter on the action ("IAM Access Analyzer
 * filter keys" has no action key), so a pair is denied when every request the matrix makes for it is.
 */
export const ARCHIVE_RULES_WITHIN_MATRIX = {
  id: "archive-rules-within-matrix",
  message: "The access analyzer's archive rules archive no principal-resource pair the access matrix denies, and every cross-account pair it allows on a shared role or the data-lake bucket.",
  reason:
    "An archive rule wider than the matrix would hide the finding for access modelshare forbids; one narrower would leave modelshare's own access as " +
    "findings nobody acts on, until a real one is missed among them.",
} as const;

interface RuleInput {
  readonly label: string;
  readonly filters: readonly ArchiveFilter[];
}

function archiveRulesOf(stacks: readonly StackLike[]): RuleInput[] {
  return stacks.flatMap((stack) =>
    stack.resources
      .filter((r) => r.type === TYPES.archiveRule)
      .map((r) => ({
        label: resourceLabel({ stack: stack.stack, type: r.type, name: r.name }),
        filters: ((r.inputs.filters ?? []) as { criteria: string; eqs?: string[] }[]).map((f) => ({ criteria: f.criteria as ArchiveFilterKey, eq: f.eqs ?? [] })),
      })),
  );
}

/** The resources the archive rules are meant to cover: the shared roles and the data-lake bucket. */
function archivableResources(stacks: readonly StackLike[]): Set<string> {
  const ml = stacks.find((s) => s.config.stackKind === "ml");
  const roles = Object.values((ml?.outputs.sharedRoleArns ?? {}) as Record<string, string>);
  const lake = ml?.outputs.dataLake as { bucketName?: string } | undefined;
  const partition = ml?.config.partition ?? "aws";
  return new Set([...roles, ...(lake?.bucketName ? [`arn:${partition}:s3:::${lake.bucketName}`] : [])]);
}

export function archiveRulesWithinMatrix(stacks: readonly StackLike[], cases: readonly MatrixCase[], rows: readonly MatrixRow[]): Finding[] {
  const rules = archiveRulesOf(stacks);
  if (rules.length === 0) return [];
  const pairs = new Map<string, { allowed: boolean; finding: NonNullable<ReturnType<typeof findingOfRequest>>; example: string }>();
  cases.forEach((matrixCase, index) => {
    const finding = findingOfRequest(matrixCase.simulation.request as Parameters<typeof findingOfRequest>[0]);
    if (!finding) return;
    const row = rows[index];
    const allowed = row !== undefined && row.expected === "Allowed" && row.decision === "Allowed";
    const known = pairs.get(finding.pair);
    pairs.set(finding.pair, { allowed: (known?.allowed ?? false) || allowed, finding, example: known?.example ?? `${matrixCase.category}: ${matrixCase.scenario}` });
  });
  const archivable = archivableResources(stacks);
  const findings: Finding[] = [];
  for (const [pair, { allowed, finding, example }] of pairs) {
    const archivedBy = rules.filter((rule) => archives(rule, finding.finding));
    if (!allowed) {
      for (const rule of archivedBy) findings.push({ ruleId: ARCHIVE_RULES_WITHIN_MATRIX.id, resource: rule.label, detail: `archives ${pair}, which the access matrix denies (${example})` });
    } else if (archivedBy.length === 0 && archivable.has(finding.resource) && finding.principalAccount !== finding.finding.resourceOwnerAccount?.[0]) {
      findings.push({ ruleId: ARCHIVE_RULES_WITHIN_MATRIX.id, resource: finding.resource, detail: `no archive rule archives ${pair}, which the access matrix allows (${example}): its finding would stay active` });
    }
  }
  return findings;
}
