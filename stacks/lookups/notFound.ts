import type { Existence } from "../../src/network";

/**
 * Data sources of the AWS provider fail instead of returning nothing: a singular data source that matches nothing
 * reports "no matching <type> found", one that matches several "multiple <type>s matched" (terraform-provider-aws,
 * internal/tfresource SingularDataSourceFindError, which pulumi-aws wraps). A lookup that asks "is there one?" turns
 * exactly those into answers; every other failure (permissions, throttling) propagates, so a lookup never mistakes
 * an error for "none".
 */
export async function singular<T>(lookup: () => Promise<T>): Promise<Existence<T>> {
  try {
    return { found: await lookup() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/no matching .+ found/i.test(message)) return { none: true };
    if (/multiple .+ matched/i.test(message)) return { several: true };
    throw error;
  }
}
