/**
 * The kubelet's pull Events by the Pod they are about (namespace/name), fed by the Event informer's callbacks, so
 * a reconcile reads one Pod's Events without scanning a namespace's. Pure bookkeeping.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { podKey } from './pod-view.ts';

export interface EventIndex {
  upsert(event: CoreV1Event): void;
  remove(event: CoreV1Event): void;
  eventsFor(namespace: string, name: string): readonly CoreV1Event[];
  /** Pods with indexed Events. */
  size(): number;
}

export function createEventIndex(): EventIndex {
  const byPod = new Map<string, Map<string, CoreV1Event>>();
  const keysOf = (event: CoreV1Event) => {
    const involved = event.involvedObject;
    if (involved?.kind !== 'Pod' || !involved.name) return undefined;
    const namespace = involved.namespace ?? event.metadata?.namespace ?? '';
    return { pod: podKey(namespace, involved.name), event: event.metadata?.name ?? '' };
  };
  return {
    upsert(event) {
      const keys = keysOf(event);
      if (!keys) return;
      let events = byPod.get(keys.pod);
      if (!events) {
        events = new Map();
        byPod.set(keys.pod, events);
      }
      events.set(keys.event, event);
    },
    remove(event) {
      const keys = keysOf(event);
      if (!keys) return;
      const events = byPod.get(keys.pod);
      events?.delete(keys.event);
      if (events?.size === 0) byPod.delete(keys.pod);
    },
    eventsFor(namespace, name) {
      const events = byPod.get(podKey(namespace, name));
      return events ? [...events.values()] : [];
    },
    size: () => byPod.size,
  };
}
