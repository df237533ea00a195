/**
 * A small evaluator for the subset of Guard (AWS CloudFormation Guard 2.x) that src/detective/guard.ts writes: named
 * rules with a `when` condition, nested `when` blocks, block clauses over `[*]`, `==` against a string or a
 * /regex/, `empty` and `!empty`, and custom messages `<<...>>`. It refuses anything else, so the rule text cannot
 * drift into syntax this evaluator (and the offline proof built on it) does not understand.
 *
 * Semantics, as Guard documents them ("Writing AWS CloudFormation Guard rules", Guard's GitHub documentation): a
 * rule whose `when` condition does not hold is SKIP; a clause over a query that selects nothing FAILs (except
 * `empty`); a comparison holds only when it holds for every value selected; a rule PASSes when every clause does.
 * Config reports PASS as COMPLIANT, FAIL as NON_COMPLIANT and SKIP as NOT_APPLICABLE. Guard's regexes are Rust
 * `regex` crate expressions; the generated ones use only syntax JavaScript reads the same way (no flags, no
 * look-around, no back-references).
 */

export type GuardStatus = "PASS" | "FAIL" | "SKIP";

type Query = readonly string[];

type Clause =
  | { readonly kind: "compare"; readonly query: Query; readonly value: { readonly string: string } | { readonly regex: RegExp }; readonly message?: string }
  | { readonly kind: "empty"; readonly query: Query; readonly negated: boolean; readonly message?: string }
  | { readonly kind: "block"; readonly query: Query; readonly body: readonly Clause[] }
  | { readonly kind: "when"; readonly condition: Clause; readonly body: readonly Clause[] };

export interface GuardRule {
  readonly name: string;
  readonly condition?: Clause;
  readonly body: readonly Clause[];
}

export class GuardSyntaxError extends Error {
  constructor(line: number, text: string, why: string) {
    super(`Guard rule text, line ${line}: ${why}: ${text.trim()}`);
    this.name = "GuardSyntaxError";
  }
}

const QUERY = String.raw`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\*\])*)`;
const MESSAGE = String.raw`(?:\s*<<([^>]*)>>)?`;

function parseQuery(text: string): Query {
  return text.replace(/\[\*\]/g, ".[*]").split(".").filter((s) => s !== "");
}

function parseClause(text: string, line: number): Clause {
  let m = new RegExp(`^${QUERY}\\s*==\\s*"([^"]*)"${MESSAGE}$`).exec(text);
  if (m) return { kind: "compare", query: parseQuery(m[1]), value: { string: m[2] }, ...(m[3] !== undefined ? { message: m[3] } : {}) };
  m = new RegExp(`^${QUERY}\\s*==\\s*/([^/]*)/${MESSAGE}$`).exec(text);
  if (m) {
    let regex: RegExp;
    try {
      regex = new RegExp(m[2]);
    } catch (error) {
      throw new GuardSyntaxError(line, text, `invalid regex (${(error as Error).message})`);
    }
    return { kind: "compare", query: parseQuery(m[1]), value: { regex }, ...(m[3] !== undefined ? { message: m[3] } : {}) };
  }
  m = new RegExp(`^${QUERY}\\s+(!?)empty${MESSAGE}$`).exec(text);
  if (m) return { kind: "empty", query: parseQuery(m[1]), negated: m[2] === "!", ...(m[3] !== undefined ? { message: m[3] } : {}) };
  throw new GuardSyntaxError(line, text, "not a clause of the supported subset");
}

/** Parses the rule text into rules; throws GuardSyntaxError on anything outside the subset. */
export function parseGuard(text: string): GuardRule[] {
  const lines = text.split("\n").map((raw, i) => ({ raw, line: i + 1, text: raw.trim() }));
  let index = 0;
  const rules: GuardRule[] = [];

  function body(): Clause[] {
    const clauses: Clause[] = [];
    while (index < lines.length) {
      const { text: t, line, raw } = lines[index];
      index++;
      if (t === "" || t.startsWith("#")) continue;
      if (t === "}") return clauses;
      let m = /^when\s+(.+?)\s*\{$/.exec(t);
      if (m) {
        clauses.push({ kind: "when", condition: parseClause(m[1], line), body: body() });
        continue;
      }
      m = new RegExp(`^${QUERY}\\s*\\{$`).exec(t);
      if (m) {
        clauses.push({ kind: "block", query: parseQuery(m[1]), body: body() });
        continue;
      }
      clauses.push(parseClause(t, line));
      void raw;
    }
    throw new GuardSyntaxError(lines.length, "", "a block is not closed");
  }

  while (index < lines.length) {
    const { text: t, line } = lines[index];
    index++;
    if (t === "" || t.startsWith("#")) continue;
    const m = /^rule\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+when\s+(.+?))?\s*\{$/.exec(t);
    if (!m) throw new GuardSyntaxError(line, t, "expected `rule NAME [when CONDITION] {`");
    rules.push({ name: m[1], ...(m[2] !== undefined ? { condition: parseClause(m[2], line) } : {}), body: body() });
  }
  if (rules.length === 0) throw new GuardSyntaxError(1, text, "no rule");
  return rules;
}

function select(document: unknown, query: Query): unknown[] {
  let values: unknown[] = [document];
  for (const segment of query) {
    const next: unknown[] = [];
    for (const value of values) {
      if (segment === "[*]") {
        if (Array.isArray(value)) next.push(...value);
      } else if (value !== null && typeof value === "object" && !Array.isArray(value) && segment in value) {
        next.push((value as Record<string, unknown>)[segment]);
      }
    }
    values = next;
  }
  return values;
}

function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

/** One failed clause: what it checked and why, as Guard's report would name it. */
export interface GuardFailure {
  readonly query: string;
  readonly message: string;
}

function evaluateClause(clause: Clause, document: unknown, failures: GuardFailure[]): GuardStatus {
  switch (clause.kind) {
    case "compare": {
      const values = select(document, clause.query);
      const holds = values.length > 0 && values.every((v) => ("string" in clause.value ? v === clause.value.string : typeof v === "string" && clause.value.regex.test(v)));
      if (!holds) failures.push({ query: clause.query.join("."), message: clause.message ?? "comparison failed" });
      return holds ? "PASS" : "FAIL";
    }
    case "empty": {
      const values = select(document, clause.query);
      const empty = values.length === 0 || values.every(isEmptyValue);
      const holds = clause.negated ? !empty : empty;
      if (!holds) failures.push({ query: clause.query.join("."), message: clause.message ?? (clause.negated ? "is empty" : "is not empty") });
      return holds ? "PASS" : "FAIL";
    }
    case "block": {
      const values = select(document, clause.query);
      if (values.length === 0) {
        failures.push({ query: clause.query.join("."), message: "selects nothing" });
        return "FAIL";
      }
      return combine(values.map((value) => combine(clause.body.map((inner) => evaluateClause(inner, value, failures)))));
    }
    case "when":
      return evaluateClause(clause.condition, document, []) === "PASS" ? combine(clause.body.map((inner) => evaluateClause(inner, document, failures))) : "SKIP";
  }
}

function combine(statuses: readonly GuardStatus[]): GuardStatus {
  if (statuses.includes("FAIL")) return "FAIL";
  return statuses.includes("PASS") ? "PASS" : "SKIP";
}

export interface GuardResult {
  readonly status: GuardStatus;
  readonly failures: readonly GuardFailure[];
}

/** Evaluates every rule of the text against one document (a configuration item). */
export function evaluateGuard(rules: readonly GuardRule[], document: unknown): GuardResult {
  const failures: GuardFailure[] = [];
  const statuses = rules.map((rule) => {
    if (rule.condition && evaluateClause(rule.condition, document, []) !== "PASS") return "SKIP";
    return combine(rule.body.map((clause) => evaluateClause(clause, document, failures)));
  });
  return { status: combine(statuses), failures };
}
