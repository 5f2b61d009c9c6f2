/** Where each supported kind keeps its pod spec (DESIGN.md §3): one table, so the funnel has one code path. */
import type { GroupVersionKind } from './decode-review.ts';

export interface PodSpecLocation {
  /** Object path of the pod spec, e.g. ['spec', 'template', 'spec']. */
  readonly path: readonly string[];
  /** True for pod templates: no ServiceAccount plugin has run and nothing is pulled yet. */
  readonly isTemplate: boolean;
}

const podSpec: PodSpecLocation = { path: ['spec'], isTemplate: false };
const templateSpec: PodSpecLocation = { path: ['spec', 'template', 'spec'], isTemplate: true };

/** group → kind → location. `extensions` still names old Deployment/DaemonSet/ReplicaSet versions. */
const locations: Readonly<Record<string, Readonly<Record<string, PodSpecLocation>>>> = {
  '': {
    Pod: podSpec,
    PodTemplate: { path: ['template', 'spec'], isTemplate: true },
    ReplicationController: templateSpec,
  },
  apps: { Deployment: templateSpec, StatefulSet: templateSpec, DaemonSet: templateSpec, ReplicaSet: templateSpec },
  extensions: { Deployment: templateSpec, DaemonSet: templateSpec, ReplicaSet: templateSpec },
  batch: {
    Job: templateSpec,
    CronJob: { path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'], isTemplate: true },
  },
};

/** The pod spec location of a kind, or undefined when the kind carries none pullguard checks. */
export function locatePodSpec(kind: GroupVersionKind): PodSpecLocation | undefined {
  const byKind = Object.hasOwn(locations, kind.group) ? locations[kind.group] : undefined;
  if (byKind === undefined || !Object.hasOwn(byKind, kind.kind)) return undefined;
  return byKind[kind.kind];
}

export function isPodKind(kind: GroupVersionKind): boolean {
  return kind.group === '' && kind.kind === 'Pod';
}
