import { InterruptSignal } from "../../src/cli/interrupt";

/** A process as runInterruptible sees it: signals the test sends, lines it writes, exits it asks for. */
export function fakeProcess() {
  const handlers = new Map<string, () => void>();
  const lines: string[] = [];
  const exits: number[] = [];
  return {
    io: { on: (s: InterruptSignal, h: () => void) => void handlers.set(s, h), off: (s: InterruptSignal) => void handlers.delete(s), write: (l: string) => void lines.push(l), exit: (c: number) => void exits.push(c), graceMs: 50 },
    send: (s: InterruptSignal) => handlers.get(s)?.(),
    lines,
    exits,
  };
}
