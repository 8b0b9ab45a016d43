/** Options for {@link waitUntil}. */
export interface WaitOptions {
  /** Gives up after this long. */
  timeoutMs: number;
  /** Says what was awaited, for the timeout error. */
  what: string;
  /** Pause between checks; default 100 ms. */
  intervalMs?: number;
  /** Errors of this class end the wait at once instead of counting as "not yet". */
  rethrow?: abstract new (...args: never[]) => Error;
}

/**
 * Checks `probe` until it returns a value other than undefined, and returns that value.
 * A probe that throws counts as "not yet" (the last error is reported on timeout).
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (options.rethrow && error instanceof options.rethrow) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
