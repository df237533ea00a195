import { createInterface } from "node:readline";
import { UsageError } from "../cli/common";
import { formatPlan, hasChanges, StackPlan } from "./changes";

/**
 * Plan before apply, as `pulumi up` does it: commands that change infrastructure (deploy, promote, rollback) preview
 * first and show the plan; in a terminal they ask before applying; without one they need `--yes`, and refuse up front,
 * before any Pulumi or AWS call, when it is missing.
 */

/** The user said no (or did not answer in time): nothing was changed. */
export class PlanDeclinedError extends Error {
  constructor(command: string, why = "declined") {
    super(`${command}: the plan was ${why}; nothing was changed`);
    this.name = "PlanDeclinedError";
  }
}

/** Where the plan is shown and how the user is asked (the CLI context provides both). */
export interface ApprovalIo {
  /** True when a person can answer: stdin and stderr are terminals. */
  readonly interactive: boolean;
  readonly stderr: (text: string) => void;
  readonly confirm: (question: string) => Promise<boolean>;
}

/** Refuses (exit 2) a run that would have to ask without a terminal to ask in, before anything else happens. */
export function requireApprovalPossible(command: string, yes: boolean, io: Pick<ApprovalIo, "interactive">, alternative: string): void {
  if (yes || io.interactive) return;
  throw new UsageError(
    `${command} changes infrastructure and asks before applying, but there is no terminal to ask in: pass --yes to apply without asking ` +
      `(like \`pulumi up --yes\`), or ${alternative}; nothing was changed`,
  );
}

/**
 * Shows the plan on stderr (stdout stays for --json) and gets the go-ahead: `--yes`, or the user's "yes" in a
 * terminal. Returns false when there is nothing to apply.
 */
export async function approvePlan(command: string, plans: readonly StackPlan[], yes: boolean, io: ApprovalIo, steps: readonly string[] = []): Promise<boolean> {
  const stepList = steps.length > 0 ? `Steps:\n${steps.map((s) => `  ${s}`).join("\n")}\n\nStack updates the steps make:\n\n` : "";
  io.stderr(`\nPlan (${command}):\n\n${stepList}${formatPlan(plans)}\n\n`);
  if (!hasChanges(plans) && steps.length === 0) {
    io.stderr("no changes to apply\n");
    return false;
  }
  if (yes) return true;
  if (!io.interactive) throw new PlanDeclinedError(command, "not confirmed (no terminal and no --yes)");
  if (!(await io.confirm(`Apply these changes (${command})? Type "yes" to apply: `))) throw new PlanDeclinedError(command);
  return true;
}

/** How long a terminal prompt waits for an answer before it counts as "no". */
export const CONFIRM_TIMEOUT_MS = 10 * 60_000;

/** Asks on stderr and reads one line from stdin; only "yes" or "y" approve. Bounded: no answer in time is a no. */
export function terminalConfirm(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr, timeoutMs = CONFIRM_TIMEOUT_MS): (question: string) => Promise<boolean> {
  return (question) =>
    new Promise((resolve) => {
      const lines = createInterface({ input, output, terminal: false });
      const timer = setTimeout(() => finish(false), timeoutMs);
      let answered = false;
      const finish = (answer: boolean) => {
        if (answered) return;
        answered = true; // before close(), whose "close" event calls finish again
        clearTimeout(timer);
        resolve(answer);
        lines.close();
      };
      lines.once("close", () => finish(false));
      lines.question(question, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
    });
}
