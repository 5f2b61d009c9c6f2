import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import t, { type Test } from 'tap';
import { eventually } from '../../harness/eventually.ts';
import { startKube, type TestKube, uniqueName, useKube } from '../../harness/kube.ts';

function clients(kube: TestKube) {
  const config = new KubeConfig();
  config.loadFromFile(kube.kubeconfigPath);
  return { core: config.makeApiClient(CoreV1Api), batch: config.makeApiClient(BatchV1Api) };
}

async function timed<T>(t: Test, what: string, start: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const value = await start();
  t.comment(`${what} in ${Date.now() - started} ms`);
  return value;
}

interface AuditEvent {
  level: string;
  verb: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  annotations?: Record<string, string>;
}

function auditEvents(kube: TestKube): AuditEvent[] {
  return readFileSync(kube.auditLogPath, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AuditEvent);
}

// One cluster (without the controller manager) for the file's first tests; the Job test asks for its own kind.
const kube = await timed(t, 'cluster ready (or shared one reused)', () => useKube(t));

t.test('a Pod is bound to a Node and its status patched as a kubelet would', async (t) => {
  t.match(kube.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  const { core } = clients(kube);

  const namespace = uniqueName('kube-harness');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // Without the controller manager nobody creates the default ServiceAccount the ServiceAccount plugin requires.
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } }).catch((error) => {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  });
  const node = uniqueName('node');
  await core.createNode({ body: { metadata: { name: node, labels: { 'kubernetes.io/hostname': node } } } });

  const image = 'registry.invalid/pullguard/missing:1';
  const pod: V1Pod = {
    metadata: { name: 'app', namespace },
    spec: { containers: [{ name: 'app', image }] },
  };
  await core.createNamespacedPod({ namespace, body: pod });
  await core.createNamespacedPodBinding({
    name: 'app',
    namespace,
    body: { metadata: { name: 'app' }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
  });
  const status = {
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason: 'ErrImagePull', message: 'failed to resolve reference: not found' } },
        },
      ],
    },
  };
  await core.patchNamespacedPodStatus(
    { name: 'app', namespace, body: status },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );

  const read = await core.readNamespacedPod({ name: 'app', namespace });
  t.equal(read.spec?.nodeName, node, 'bound to the node');
  t.equal(read.status?.phase, 'Pending');
  t.equal(read.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ErrImagePull');
  t.equal(read.spec?.serviceAccountName, 'default', 'the ServiceAccount admission plugin ran');

  const listed = await kube.kubectl(['get', 'pods', '--namespace', namespace]);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /^app\s+0\/1\s+ErrImagePull\s+0\s+/m, 'kubectl shows the kubelet-reported reason');

  const created = await eventually(
    () =>
      auditEvents(kube).find(
        (event) =>
          event.verb === 'create' &&
          event.objectRef?.resource === 'pods' &&
          event.objectRef.namespace === namespace &&
          event.objectRef.subresource === undefined,
      ),
    { description: 'the audit event for the Pod create' },
  );
  t.equal(created.level, 'Metadata');
  t.equal(
    created.annotations?.['pod-security.kubernetes.io/enforce-policy'],
    'privileged:latest',
    "admission plugins' annotations reach the audit log",
  );
});

t.test('kubectl and createNamespace work against the cluster', async (t) => {
  const namespace = await kube.createNamespace('kubectl');
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'from-kubectl', namespace },
    spec: { containers: [{ name: 'main', image: 'registry.invalid/app:1' }] },
  };
  const applied = await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  t.equal(applied.code, 0, applied.stderr);
  const got = await kube.kubectl(['get', 'pod', 'from-kubectl', '--namespace', namespace, '-o', 'json']);
  t.equal(got.code, 0, got.stderr);
  t.equal((JSON.parse(got.stdout) as V1Pod).spec?.serviceAccountName, 'default');
  const missing = await kube.kubectl(['get', 'pod', 'nope', '--namespace', namespace]);
  t.not(missing.code, 0, 'kubectl failures come back as a non-zero code');
  t.match(missing.stderr, /not found/);
});

t.test('with the controller manager, a Job creates a Pod', async (t) => {
  const managed = await timed(t, 'cluster with controller manager ready (or shared one reused)', () =>
    useKube(t, { controllerManager: true }),
  );
  t.ok(managed.controllerManager);
  const { core, batch } = clients(managed);
  const namespace = await managed.createNamespace('job');
  await batch.createNamespacedJob({
    namespace,
    body: {
      metadata: { name: 'once' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.invalid/job:1' }] },
        },
      },
    },
  });
  const pod = await eventually(
    async () => (await core.listNamespacedPod({ namespace, labelSelector: 'job-name=once' })).items[0],
    { timeoutMs: 60_000, description: 'the Job controller to create a Pod' },
  );
  t.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'Job');
  t.equal(pod.spec?.containers[0]?.image, 'registry.invalid/job:1');
});

t.test('a start that fails half-way stops what it started and removes its files', async (t) => {
  const children = () =>
    execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /etcd|kube-/.test(line));
  const before = new Set(children());
  const error = await startKube({ apiserverArgs: ['--no-such-flag'] }).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  t.ok(error, 'startKube rejects');
  t.match(error?.message, /kube-apiserver did not start[\s\S]*unknown flag: --no-such-flag/, 'with the log tail');
  const logFile = /--- (\S+kube-apiserver\.log):/.exec(error?.message ?? '')?.[1];
  t.ok(logFile && !existsSync(dirname(logFile)), 'its temp dir is gone');
  t.same(
    children().filter((child) => !before.has(child)),
    [],
    'no etcd or apiserver of its own left running',
  );
});
