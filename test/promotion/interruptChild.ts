// Child process for interrupt.test.ts: a real promotion in the simulated world, in the middle of the switch's
// `pulumi up` (which takes minutes for real), run the way bin/modelshare.js runs a command (runInterruptible), when
// the parent sends SIGTERM or SIGINT. Every lease-table change is mirrored to LEASE_FILE for the parent to see.
import { writeFileSync } from "node:fs";
import { runInterruptible } from "../../src/cli/interrupt";
import { executePromotion } from "../../src/promotion/engine";
import { V1, V2, V3 } from "./fakes";
import { promote, Scenario } from "./harness";

async function main(): Promise<void> {
  const leaseFile = process.env.LEASE_FILE!;
  const s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
  const onChange = s.aws.onChange;
  s.aws.onChange = () => {
    onChange();
    writeFileSync(leaseFile, JSON.stringify(s.aws.leaseItem() ?? null));
  };
  s.workspace.faults.push((op) => {
    if (op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3) {
      process.stdout.write(`READY ${s.dir}\n`);
      return "hang";
    }
    return undefined;
  });
  const code = await runInterruptible(
    async (signal) => {
      const result = await executePromotion(promote("prod", V3), await s.deps({ signal }));
      process.stdout.write(`OUTCOME ${result.outcome}\n`);
      return 0;
    },
    (error) => (process.stdout.write(`ERROR ${(error as Error).message}\n`), 1),
  );
  process.exit(code);
}
void main();
// Keeps the event loop alive as the real `pulumi up` child process would (the fake update is only a promise).
setInterval(() => undefined, 1000);
