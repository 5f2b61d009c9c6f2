/** Waiting on work that may outlive the review: whatever is unfinished at the deadline is reported, not awaited. */

export type Settled<T> =
  | { readonly state: 'done'; readonly value: T }
  | { readonly state: 'failed'; readonly error: unknown }
  | { readonly state: 'aborted' };

/** Resolves when `work` settles or `signal` aborts, whichever comes first; never rejects. */
export function settleBefore<T>(work: T | Promise<T>, signal: AbortSignal): Promise<Settled<T>> {
  if (signal.aborted) return Promise.resolve({ state: 'aborted' });
  return new Promise((resolve) => {
    const onAbort = () => resolve({ state: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(work).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ state: 'done', value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ state: 'failed', error });
      },
    );
  });
}
