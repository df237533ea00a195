import { Command } from "commander";
import { UsageError, projectDirectoryOption } from "./common";
import { CliContext, defaultCliContext, loadProjectForCli, promotionLeaseFor } from "../promotion/cliContext";
import { describeLease, LeaseRecord } from "../promotion/lease";

interface LeaseFlags {
  force?: boolean;
  json?: boolean;
}

/** The lease as `--json` shows it: the record, and whether it has expired by the local clock. */
export function leaseView(record: LeaseRecord | "unreadable" | undefined, now: number): Record<string, unknown> | null {
  if (record === undefined) return null;
  if (record === "unreadable") return { unreadable: true };
  return { ...record, acquiredAt: new Date(record.acquiredAt).toISOString(), expiresAt: new Date(record.expiresAt).toISOString(), expired: now > record.expiresAt };
}

/**
 * `modelshare lease show|break`: the promotion lease in the ML account (one DynamoDB item) that promotions,
 * rollbacks, `model start|stop` and `deploy` hold while they change grants or model state.
 */
export function registerLease(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  const lease = program.command("lease").description("Show or break the promotion lease that serializes promotions across operators");

  lease
    .command("show")
    .description("Who holds the promotion lease, since when, for what, and when it expires unless renewed")
    .option("--json", "machine-readable output on stdout")
    .addHelpText("after", "\nExit codes: 0 shown (held or free); 1 the lease table could not be read; 2 bad input.")
    .action(async (flags: LeaseFlags) => {
      const ctx = context();
      const promotionLease = promotionLeaseFor(ctx, await loadProjectForCli(ctx));
      const record = await promotionLease.current();
      ctx.stdout(
        flags.json
          ? `${JSON.stringify({ table: promotionLease.store.location, lease: leaseView(record, ctx.now()) }, null, 2)}\n`
          : `${record === undefined ? `the promotion lease is free (${promotionLease.store.location})` : `held: ${describeLease(record, ctx.now())}`}\n`,
      );
    });

  lease
    .command("break")
    .description(
      "Delete the promotion lease whoever holds it: for a run that is dead (its machine or container is gone) and would otherwise " +
        "block promotions until its lease expires. The run that held it, if it still lives, stops before its next change.",
    )
    .option("--force", "required: confirms the holder (see `modelshare lease show`) is gone")
    .option("--json", "machine-readable output on stdout")
    .addHelpText(
      "after",
      "\nAfter breaking a lease, re-run the dead run's command from its checkout to finish or undo it (its journal says where it stopped).\n" +
        "Exit codes: 0 broken (or no lease was held); 1 the lease table could not be changed; 2 bad input (--force missing).",
    )
    .action(async (flags: LeaseFlags) => {
      if (!flags.force) {
        throw new UsageError("lease break needs --force: breaking a live run's lease lets two runs change grants at once; check with `modelshare lease show` that its holder is gone, then add --force");
      }
      const ctx = context();
      const promotionLease = promotionLeaseFor(ctx, await loadProjectForCli(ctx));
      const { broken } = await promotionLease.breakLease();
      ctx.stdout(
        flags.json
          ? `${JSON.stringify({ table: promotionLease.store.location, broken: leaseView(broken, ctx.now()) }, null, 2)}\n`
          : `${broken === undefined ? "no lease was held" : `broke the lease of ${describeLease(broken, ctx.now())}`}\n`,
      );
    });
}
