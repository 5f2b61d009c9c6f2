/**
 * Concurrent callers asking for the same key share one operation (one token request, one ping). The operation
 * runs with its own signal, aborted only when every waiter has given up, so one cancelled caller cannot fail the
 * others. A waiter whose own signal aborts stops waiting at once with the signal's reason.
 */
interface Flight<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  waiters: number;
}

export class SharedFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  run(key: K, signal: AbortSignal, operation: (signal: AbortSignal) => Promise<V>): Promise<V> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const started = operation(controller.signal);
      const created: Flight<V> = {
        controller,
        waiters: 0,
        promise: started.finally(() => {
          if (this.#flights.get(key) === created) this.#flights.delete(key);
        }),
      };
      this.#flights.set(key, created);
      flight = created;
    }
    const joined = flight;
    joined.waiters += 1;
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        joined.waiters -= 1;
        if (joined.waiters === 0) {
          if (this.#flights.get(key) === joined) this.#flights.delete(key);
          joined.controller.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  get size(): number {
    return this.#flights.size;
  }
}
