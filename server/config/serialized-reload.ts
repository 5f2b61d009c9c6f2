/**
 * One read at a time for a file that is reloaded on change: a reload asked for while a read runs causes exactly one
 * more read after it, however many were asked for. So the last change is always read, and a burst of events (a
 * volume update fires several) never queues a read per event. No I/O of its own: the caller's `readOnce` does it.
 */
export interface SerializedReload {
  /** Reads now, or once more after the read in progress; resolves true when one of those reads made a change. */
  reload(): Promise<boolean>;
  /** For watches and timers: a reload, unless closed. */
  trigger(): void;
  /** Triggers are ignored from now on and a pending re-read is dropped; a read in progress finishes. */
  close(): void;
  isClosed(): boolean;
}

/** `readOnce` reads, applies what changed and resolves true when it made a change; it should not throw. */
export function serializeReload(readOnce: () => Promise<boolean>): SerializedReload {
  let closed = false;
  let running: Promise<boolean> | undefined;
  let rerun = false;

  const reload = (): Promise<boolean> => {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      try {
        let changed = false;
        do {
          rerun = false;
          changed = (await readOnce()) || changed;
        } while (rerun && !closed);
        return changed;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  return {
    reload,
    trigger() {
      if (!closed) void reload();
    },
    close() {
      closed = true;
    },
    isClosed: () => closed,
  };
}
