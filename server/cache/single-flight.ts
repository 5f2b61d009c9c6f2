/**
 * Coalesces concurrent calls by key: while a call for a key is in flight, later callers of that key wait for the
 * same promise instead of starting their own. The shared call belongs to no caller: a caller whose signal aborts
 * stops waiting (its promise rejects with the signal's reason) and the call goes on for everyone else, under
 * whatever deadline `fn` gave itself. The key is forgotten as soon as the call settles, before any waiter resumes,
 * so results are not kept here (that is the cache's job).
 */
export interface SingleFlightRunOptions {
  /** The caller's own deadline: aborting it releases this caller only. */
  readonly signal?: AbortSignal | undefined;
}

export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Promise<V>>();
  #started = 0;
  #coalesced = 0;

  /** Runs `fn` for `key`, or joins the call already in flight for it. */
  run(key: K, fn: () => Promise<V>, options: SingleFlightRunOptions = {}): Promise<V> {
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = this.#start(key, fn);
    } else {
      this.#coalesced += 1;
    }
    return waitFor(flight, options.signal);
  }

  /** Whether a call for `key` is in flight right now (a `run` would join it). */
  has(key: K): boolean {
    return this.#flights.has(key);
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.#flights.size;
  }

  /** Calls started since construction. */
  get started(): number {
    return this.#started;
  }

  /** Callers that joined a call already in flight. */
  get coalesced(): number {
    return this.#coalesced;
  }

  #start(key: K, fn: () => Promise<V>): Promise<V> {
    const flight = invoke(fn);
    this.#started += 1;
    this.#flights.set(key, flight);
    const forget = (): void => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    // Registered before any waiter's handlers, so it runs first: a waiter that resumes sees the key gone.
    flight.then(forget, forget);
    return flight;
  }
}

function invoke<V>(fn: () => Promise<V>): Promise<V> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function waitFor<V>(flight: Promise<V>, signal: AbortSignal | undefined): Promise<V> {
  if (signal === undefined) return flight;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<V>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    flight.then(
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
