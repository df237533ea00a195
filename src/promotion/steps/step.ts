import { StepContext } from "../stepContext";
import { JournalStep } from "../types";

/** One promotion step: what it does (looking at the current state first) and how to undo what its effects say it changed. */
export interface StepResult {
  readonly note: string;
  readonly skipped?: boolean;
}

export interface StepDefinition {
  run(context: StepContext, step: JournalStep): Promise<StepResult>;
  /** Undoes what `step.effects` says the step changed; a no-op (with a note) when it changed nothing. */
  undo(context: StepContext, step: JournalStep): Promise<string>;
}
