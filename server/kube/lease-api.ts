/**
 * The Lease calls leader election makes, behind a small interface (the elector's tests use an in-memory one), and
 * their implementation over client-node 2.x CoordinationV1Api. Every write carries the resourceVersion it read, so
 * two writers never both win: the loser gets 409, reported as 'conflict'.
 */
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { kubeStatusOf, toKubeError } from './kube-error.ts';
import type { LeaseRecord } from './lease-timing.ts';

export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

export interface LeaseApi {
  read(namespace: string, name: string): Promise<StoredLease | undefined>;
  create(namespace: string, name: string, record: LeaseRecord): Promise<StoredLease | 'conflict'>;
  replace(
    namespace: string,
    name: string,
    record: LeaseRecord,
    resourceVersion: string,
  ): Promise<StoredLease | 'conflict'>;
}

export function createKubeLeaseApi(coordination: CoordinationV1Api): LeaseApi {
  return {
    async read(namespace, name) {
      try {
        return toStoredLease(await coordination.readNamespacedLease({ namespace, name }));
      } catch (error) {
        if (kubeStatusOf(error) === 404) return undefined;
        throw toKubeError(error, `reading Lease ${namespace}/${name}`);
      }
    },
    async create(namespace, name, record) {
      try {
        return toStoredLease(
          await coordination.createNamespacedLease({ namespace, body: toLease(namespace, name, record) }),
        );
      } catch (error) {
        if (kubeStatusOf(error) === 409) return 'conflict';
        throw toKubeError(error, `creating Lease ${namespace}/${name}`);
      }
    },
    async replace(namespace, name, record, resourceVersion) {
      try {
        const body = toLease(namespace, name, record, resourceVersion);
        return toStoredLease(await coordination.replaceNamespacedLease({ namespace, name, body }));
      } catch (error) {
        // 409: written by someone else since we read it; 404: deleted meanwhile. Either way, read again.
        const status = kubeStatusOf(error);
        if (status === 409 || status === 404) return 'conflict';
        throw toKubeError(error, `replacing Lease ${namespace}/${name}`);
      }
    },
  };
}

function toLease(namespace: string, name: string, record: LeaseRecord, resourceVersion?: string): V1Lease {
  // V1MicroTime prints six fractional digits; the apiserver refuses a plain Date's three in a MicroTime field.
  const micro = (ms: number | undefined) => (ms === undefined ? undefined : new V1MicroTime(ms));
  const spec: NonNullable<V1Lease['spec']> = { leaseDurationSeconds: record.leaseDurationSeconds };
  if (record.holderIdentity) spec.holderIdentity = record.holderIdentity;
  const acquireTime = micro(record.acquireTime);
  if (acquireTime) spec.acquireTime = acquireTime;
  const renewTime = micro(record.renewTime);
  if (renewTime) spec.renewTime = renewTime;
  spec.leaseTransitions = record.leaseTransitions;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { namespace, name, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec,
  };
}

function toStoredLease(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? null,
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: toMillis(spec.acquireTime),
      renewTime: toMillis(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

/** client-node types MicroTime fields as Dates but hands over the wire string (it has no deserializer for them). */
function toMillis(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
