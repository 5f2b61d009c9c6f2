/** Polls `probe` until it returns a value (anything but undefined) or the deadline passes. No fixed sleeps. */
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  description?: string;
}

/** Thrown by a probe to stop polling at once (the thing waited for can no longer happen). */
export class GiveUp extends Error {}

export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? 'condition';
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
