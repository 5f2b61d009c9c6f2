/**
 * Leader election between two electors over the real coordination.k8s.io/v1 Lease API (short timings so the test
 * runs in seconds): one leads, the Lease names it with MicroTime stamps the apiserver accepts; when it stops it
 * releases the Lease and the other takes over well before leaseDuration.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import t from 'tap';
import type { PullguardError } from '../../../server/errors.ts';
import { createLeaderElector } from '../../../server/kube/lease-lock.ts';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';
import { adminKubeConfig, ownNamespace } from './helpers.ts';

const kube = await useKube(t);
const coordination = adminKubeConfig(kube).makeApiClient(CoordinationV1Api);

t.test('one leads; when it stops, the other takes over', async (t) => {
  const namespace = await ownNamespace(t, kube, 'lease');
  const log: string[] = [];
  const errors: PullguardError[] = [];
  const signals = new Map<string, AbortSignal>();
  const elector = (identity: string) => {
    const e = createLeaderElector({
      kubeConfig: adminKubeConfig(kube),
      namespace,
      name: 'pullguard-controller',
      identity,
      // The takeover below must come from the release: 20 s is far longer than the test waits.
      leaseDurationSeconds: 20,
      renewDeadlineSeconds: 5,
      retryPeriodSeconds: 0.2,
      onStartedLeading: (signal) => {
        signals.set(identity, signal);
        log.push(`${identity} started`);
      },
      onStoppedLeading: () => log.push(`${identity} stopped`),
      onError: (error) => errors.push(error),
    });
    t.teardown(() => e.stop());
    return e;
  };
  const a = elector('replica-a');
  const b = elector('replica-b');
  a.start();
  await eventually(() => (a.isLeader() ? true : undefined), { description: 'a leads' });
  b.start();

  const lease = await coordination.readNamespacedLease({ namespace, name: 'pullguard-controller' });
  t.equal(lease.spec?.holderIdentity, 'replica-a');
  t.equal(lease.spec?.leaseDurationSeconds, 20);
  t.match(String(lease.spec?.renewTime), /\.\d{6}Z$/, 'renewTime is a MicroTime');
  const firstRenew = String(lease.spec?.renewTime);
  await eventually(
    async () => {
      const later = await coordination.readNamespacedLease({ namespace, name: 'pullguard-controller' });
      return String(later.spec?.renewTime) !== firstRenew ? true : undefined;
    },
    { description: 'a renews' },
  );
  t.equal(b.isLeader(), false, 'b waits while a renews');

  const stoppedAt = Date.now();
  await a.stop();
  t.equal(signals.get('replica-a')?.aborted, true);
  await eventually(() => (b.isLeader() ? true : undefined), { description: 'b takes over', timeoutMs: 5000 });
  t.ok(Date.now() - stoppedAt < 5000, 'long before the 20 s lease would have expired');
  t.same(log, ['replica-a started', 'replica-a stopped', 'replica-b started']);

  const taken = await coordination.readNamespacedLease({ namespace, name: 'pullguard-controller' });
  t.equal(taken.spec?.holderIdentity, 'replica-b');
  t.equal(taken.spec?.leaseTransitions, 1);
  await b.stop();
  const released = await coordination.readNamespacedLease({ namespace, name: 'pullguard-controller' });
  t.equal(released.spec?.holderIdentity, undefined, 'released on stop');
  t.equal(released.spec?.leaseDurationSeconds, 1);
  t.same(errors, []);
});

t.test('a leader whose Lease is taken by someone else stops at once', async (t) => {
  const namespace = await ownNamespace(t, kube, 'lease-steal');
  const log: string[] = [];
  const a = createLeaderElector({
    kubeConfig: adminKubeConfig(kube),
    namespace,
    name: 'pullguard-controller',
    identity: 'replica-a',
    leaseDurationSeconds: 20,
    renewDeadlineSeconds: 5,
    retryPeriodSeconds: 0.2,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  t.teardown(() => a.stop());
  a.start();
  await eventually(() => (a.isLeader() ? true : undefined));
  // The leader renews every 200 ms, so a write under a just-read resourceVersion may lose: retry until one lands.
  await eventually(
    async () => {
      const current = await coordination.readNamespacedLease({ namespace, name: 'pullguard-controller' });
      const patch = {
        metadata: { resourceVersion: current.metadata?.resourceVersion },
        spec: { holderIdentity: 'intruder' },
      };
      const args = [
        'patch',
        'lease',
        'pullguard-controller',
        '-n',
        namespace,
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ];
      return (await kube.kubectl(args)).code === 0 ? true : undefined;
    },
    { description: 'the Lease taken over by an intruder' },
  );
  await eventually(() => (a.isLeader() ? undefined : true), { description: 'a gives up', timeoutMs: 3000 });
  t.same(log, ['started', 'stopped']);
  await a.stop();
  const after = await coordination.readNamespacedLease({ namespace, name: 'pullguard-controller' });
  t.equal(after.spec?.holderIdentity, 'intruder', 'a non-leader does not release');
});
