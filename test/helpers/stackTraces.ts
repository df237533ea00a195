/**
 * Pulumi's runtime captures a stack trace as bookkeeping: `new Error().stack` for every promise it tracks
 * (debuggablePromise; the trace is read only to print a leak report) and, at unlimited depth, for every resource it
 * registers (Resource.callsites, parsed into a source position for the engine; the mock monitor ignores it). Under
 * ts-node each of those traces also went through source-map-support, which maps every frame in JavaScript: a profile
 * of `npm test` put 70 s of CPU there, a third of the whole run.
 *
 * Here those two captures get V8's own format (the same frames; positions in the transpiled code), the promise's
 * formatted only if the leak report reads it. Every other trace, an assertion's or a program's error, is still
 * source-mapped, and nothing a test asserts reads either capture. The product does the same for `modelshare synth`
 * (src/synth/quietStackTraces.ts).
 */
type Format = (error: Error, callSites: NodeJS.CallSite[]) => unknown;

/** V8's default format: `Error.prototype.toString`, then one `    at <call site>` line per frame. */
function v8Format(error: Error, callSites: readonly NodeJS.CallSite[]): string {
  return Error.prototype.toString.call(error) + callSites.map((site) => `\n    at ${site}`).join("");
}

/** The same text, built when it is first turned into a string (debuggable.js only interpolates it). */
const lazyV8Format: Format = (error, callSites) => {
  let text: string | undefined;
  return { toString: () => (text ??= v8Format(error, callSites)) };
};

const BOOKKEEPING: readonly { file: string; fn: string; format: Format }[] = [
  { file: "/@pulumi/pulumi/runtime/debuggable.js", fn: "debuggablePromise", format: lazyV8Format },
  { file: "/@pulumi/pulumi/resource.js", fn: "callsites", format: v8Format },
];

function bookkeepingFormat(callSites: readonly NodeJS.CallSite[]): Format | undefined {
  const top = callSites[0];
  if (top === undefined) return undefined;
  const file = top.getFileName() ?? "";
  const fn = top.getFunctionName();
  return BOOKKEEPING.find((b) => fn === b.fn && file.endsWith(b.file))?.format;
}

/** Wraps the installed Error.prepareStackTrace (source-map-support's) so Pulumi's bookkeeping traces skip it. */
export function unmapPulumiBookkeepingTraces(): void {
  const mapped = Error.prepareStackTrace;
  if (mapped === undefined) return; // no source-map hook installed: V8's format already
  Error.prepareStackTrace = (error, callSites) => (bookkeepingFormat(callSites) ?? mapped)(error, callSites);
}
