/**
 * Several informers of one kind seen as one. A field selector names one value per field (`type=a` and `type=b` are
 * ANDed, and set-based selectors are for labels only), so "secrets of either docker-config type" or "pod events
 * with one of these reasons" is one informer per value. The parts must select disjoint sets of objects, and an
 * object must never move between them (a Secret's type and an Event's reason are immutable).
 */
import type { PullguardError } from '../errors.ts';
import type { InformerListener, ResilientInformer } from './informer-types.ts';

export function mergeInformers<T>(name: string, parts: readonly ResilientInformer<T>[]): ResilientInformer<T> {
  if (parts.length === 0) throw new RangeError(`informer ${name}: nothing to merge`);
  const synced = Promise.all(parts.map((part) => part.synced)).then(() => undefined);
  synced.catch(() => undefined);
  const subscribeAll = (subscribe: (part: ResilientInformer<T>) => () => void) => {
    const unsubscribes = parts.map(subscribe);
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  };
  return {
    name,
    synced,
    async start() {
      await Promise.all(parts.map((part) => part.start()));
    },
    async stop() {
      await Promise.all(parts.map((part) => part.stop()));
    },
    isSynced: () => parts.every((part) => part.isSynced()),
    isWatching: () => parts.every((part) => part.isWatching()),
    restarts: () => parts.reduce((sum, part) => sum + part.restarts(), 0),
    lastError: (): PullguardError | undefined => parts.find((part) => part.lastError() !== undefined)?.lastError(),
    list: (namespace) => parts.flatMap((part) => part.list(namespace)),
    get(namespace, objectName) {
      for (const part of parts) {
        const found = part.get(namespace, objectName);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    onAdd: (listener: InformerListener<T>) => subscribeAll((part) => part.onAdd(listener)),
    onUpdate: (listener: InformerListener<T>) => subscribeAll((part) => part.onUpdate(listener)),
    onDelete: (listener: InformerListener<T>) => subscribeAll((part) => part.onDelete(listener)),
  };
}
