import t from 'tap';
import type { ContainerAttempts } from '../../../server/controller/attempts.ts';
import { type Decision, decidePodFailure } from '../../../server/controller/decide.ts';
import { type NamespacePolicy, readNamespacePolicy } from '../../../server/controller/namespace-policy.ts';
import { makeNamespace, makePod, running, waiting } from './fixtures.ts';

const now = Date.parse('2025-01-01T01:00:00Z');
const settings = { imagePullAttempts: 3, maxPullFailureSeconds: 900 };
const enforce: NamespacePolicy = { mode: 'enforce' };
const image = 'registry.example/app:v1';

function counted(attempts: number, extra: Partial<ContainerAttempts> = {}): Map<string, ContainerAttempts> {
  return new Map([
    [
      'app',
      {
        container: 'app',
        attempts,
        eventAttempts: attempts,
        statusAttempts: attempts,
        firstFailureAt: now - 60_000,
        lastError: 'rpc error: code = NotFound desc = registry.example/app:v1: not found',
        failureClass: 'not-found',
        ...extra,
      },
    ],
  ]);
}

const authError = { lastError: 'unexpected status: 401 Unauthorized', failureClass: 'auth-or-rate-limit' } as const;
const verdict = (outcome: string, container = 'app') =>
  JSON.stringify({ outcome, fieldPath: 'spec.containers[0].image', container, image, reason: 'MANIFEST_UNKNOWN' });

interface Row {
  name: string;
  pod?: Parameters<typeof makePod>[0];
  namespace?: NamespacePolicy | undefined | null;
  attempts?: Map<string, ContainerAttempts>;
  settings?: typeof settings;
  want: Partial<Decision> & { action: Decision['action'] };
  messageIncludes?: string[];
}

const table: Row[] = [
  {
    name: 'namespace not opted in',
    namespace: null,
    attempts: counted(9),
    want: { action: 'none', why: 'namespace-not-opted-in' },
  },
  { name: 'being deleted', pod: { deleting: true }, attempts: counted(9), want: { action: 'none', why: 'deleting' } },
  { name: 'not Pending', pod: { phase: 'Failed' }, attempts: counted(9), want: { action: 'none', why: 'not-pending' } },
  {
    name: 'a running container (sidecar) keeps the Pod',
    pod: {
      containers: [
        { name: 'side', init: true, state: running },
        { name: 'app', state: waiting('ErrImagePull', 'not found') },
      ],
    },
    attempts: counted(9),
    want: { action: 'none', why: 'container-running' },
  },
  {
    name: 'recovered: the container runs',
    pod: { containers: [{ state: running }] },
    attempts: counted(9),
    want: { action: 'none', why: 'container-running' },
  },
  {
    name: 'the condition is back in Pending: fail again, same reason and message',
    pod: {
      containers: [{ state: waiting('ContainerCreating') }],
      conditions: [{ type: 'ImagePullFailed', status: 'True', reason: 'ImageNotFound', message: 'earlier words' }],
    },
    attempts: new Map(),
    want: { action: 'fail', reason: 'ImageNotFound', message: 'earlier words', again: true },
  },
  {
    name: 'a False condition is not a failure',
    pod: {
      containers: [{ state: waiting('ContainerCreating') }],
      conditions: [{ type: 'ImagePullFailed', status: 'False' }],
    },
    want: { action: 'none', why: 'no-pull-failure' },
  },
  {
    name: 'admission verdict absent: fail at once, even unbound with no status',
    pod: { containers: [{ state: undefined }], annotations: { 'pullguard.dev/verdict': verdict('absent') } },
    want: { action: 'fail', reason: 'ImageNotFound', container: 'app', again: false },
    messageIncludes: ['container "app"', image, 'MANIFEST_UNKNOWN'],
  },
  {
    name: 'admission verdict platform-missing',
    pod: { containers: [{ state: undefined }], annotations: { 'pullguard.dev/verdict': verdict('platform-missing') } },
    want: { action: 'fail', reason: 'ImagePlatformMissing' },
  },
  {
    name: 'a verdict about a container the Pod does not have is stale',
    pod: {
      containers: [{ state: waiting('ContainerCreating') }],
      annotations: { 'pullguard.dev/verdict': verdict('absent', 'gone') },
    },
    want: { action: 'none', why: 'no-pull-failure' },
  },
  {
    name: 'a malformed verdict is ignored',
    pod: { containers: [{ state: undefined }], annotations: { 'pullguard.dev/verdict': '{"outcome":"maybe"' } },
    want: { action: 'none', why: 'no-pull-failure' },
  },
  {
    name: 'InvalidImageName fails at once',
    pod: {
      containers: [{ image: 'Bad:Name', state: waiting('InvalidImageName', 'Failed to apply default image tag') }],
    },
    want: { action: 'fail', reason: 'InvalidImageName', container: 'app', image: 'Bad:Name' },
    messageIncludes: ['Bad:Name', 'Failed to apply default image tag'],
  },
  {
    name: 'ErrImageNeverPull fails at once',
    pod: { containers: [{ state: waiting('ErrImageNeverPull') }] },
    want: { action: 'fail', reason: 'ImageNeverPull' },
  },
  {
    name: 'not found, below imagePullAttempts',
    pod: { containers: [{ state: waiting('ImagePullBackOff') }] },
    attempts: counted(2),
    want: { action: 'none', why: 'below-threshold' },
  },
  {
    name: 'not found, at imagePullAttempts',
    pod: { containers: [{ state: waiting('ImagePullBackOff') }] },
    attempts: counted(3),
    want: { action: 'fail', reason: 'ImageNotFound', attempts: 3, firstFailureAt: now - 60_000 },
    messageIncludes: ['container "app"', image, '3 failed pulls', 'since 2025-01-01T00:59:00.000Z', 'not found'],
  },
  {
    name: 'the namespace annotation raises the threshold',
    namespace: { mode: 'enforce', imagePullAttempts: 5 },
    attempts: counted(4),
    want: { action: 'none', why: 'below-threshold' },
  },
  {
    name: 'the namespace annotation lowers the threshold',
    namespace: { mode: 'warn', imagePullAttempts: 1 },
    attempts: counted(1),
    want: { action: 'fail', reason: 'ImageNotFound' },
  },
  {
    name: 'a generic failure at the threshold',
    attempts: counted(3, { lastError: 'x509: certificate signed by unknown authority', failureClass: 'generic' }),
    want: { action: 'fail', reason: 'PullAttemptsExceeded' },
    messageIncludes: ['x509'],
  },
  {
    name: 'auth failure at the threshold but inside the grace: look again when it ends',
    attempts: counted(3, { ...authError, firstFailureAt: now - 100_000 }),
    want: { action: 'requeue', afterMs: 800_000 },
  },
  {
    name: 'auth failure past the grace',
    attempts: counted(4, { ...authError, firstFailureAt: now - 900_000 }),
    want: { action: 'fail', reason: 'PullFailureTimeout', attempts: 4 },
    messageIncludes: ['401 Unauthorized'],
  },
  {
    name: 'auth failure below the threshold waits for more pulls',
    attempts: counted(1, { ...authError, firstFailureAt: now - 5_000_000 }),
    want: { action: 'none', why: 'below-threshold' },
  },
  {
    name: 'auth failure with no grace configured fails at the threshold',
    attempts: counted(3, authError),
    settings: { imagePullAttempts: 3, maxPullFailureSeconds: 0 },
    want: { action: 'fail', reason: 'PullFailureTimeout' },
  },
  {
    name: 'ErrImagePull with nothing counted yet is one attempt',
    attempts: new Map(),
    settings: { imagePullAttempts: 1, maxPullFailureSeconds: 900 },
    want: { action: 'fail', reason: 'PullAttemptsExceeded', attempts: 1 },
  },
  {
    name: 'an init container stuck on its image',
    pod: {
      containers: [
        { name: 'init', init: true, image: 'registry.example/init:v1', state: waiting('ErrImagePull', 'not found') },
        { name: 'app', state: waiting('PodInitializing') },
      ],
    },
    attempts: new Map([['init', { ...(counted(3).get('app') as ContainerAttempts), container: 'init' }]]),
    want: { action: 'fail', reason: 'ImageNotFound', container: 'init', image: 'registry.example/init:v1' },
  },
  {
    name: 'an invalid name in one container beats a count below threshold in another',
    pod: {
      containers: [
        { name: 'app', state: waiting('ImagePullBackOff') },
        { name: 'other', image: 'UPPER', state: waiting('InvalidImageName') },
      ],
    },
    attempts: counted(1),
    want: { action: 'fail', reason: 'InvalidImageName', container: 'other' },
  },
  {
    name: 'still creating: no pull failure',
    pod: { containers: [{ state: waiting('ContainerCreating') }] },
    attempts: counted(9),
    want: { action: 'none', why: 'no-pull-failure' },
  },
  {
    name: 'unbound, no verdict: nothing to go on',
    pod: { containers: [{ state: undefined }] },
    want: { action: 'none', why: 'no-pull-failure' },
  },
];

t.test('decidePodFailure', async (t) => {
  for (const row of table) {
    const decision = decidePodFailure({
      pod: makePod(row.pod),
      namespace: row.namespace === null ? undefined : (row.namespace ?? enforce),
      attempts: row.attempts ?? counted(0),
      settings: row.settings ?? settings,
      now,
    });
    t.match(decision, row.want, row.name);
    for (const text of row.messageIncludes ?? []) {
      t.ok(decision.action === 'fail' && decision.message.includes(text), `${row.name}: message has ${text}`);
    }
    if (decision.action === 'fail') t.ok(decision.message.length <= 1000, `${row.name}: message is bounded`);
  }
});

t.test('a long kubelet error is cut and kept on one line', async (t) => {
  const decision = decidePodFailure({
    pod: makePod(),
    namespace: enforce,
    attempts: counted(3, { lastError: `line one\nline two ${'x'.repeat(5_000)}` }),
    settings,
    now,
  });
  t.equal(decision.action, 'fail');
  if (decision.action !== 'fail') return;
  t.equal(decision.message.length, 1000);
  t.notOk(decision.message.includes('\n'));
  t.ok(decision.message.endsWith('...'));
});

t.test('namespace policy from the label and the override annotation', async (t) => {
  const rows: [Record<string, string>, Record<string, string>, NamespacePolicy | undefined][] = [
    [{}, {}, undefined],
    [{ 'pullguard.dev/mode': 'off' }, {}, undefined],
    [{ 'pullguard.dev/mode': 'enforce' }, {}, { mode: 'enforce' }],
    [
      { 'pullguard.dev/mode': 'audit' },
      { 'pullguard.dev/image-pull-attempts': '5' },
      { mode: 'audit', imagePullAttempts: 5 },
    ],
    [
      { 'pullguard.dev/mode': 'warn' },
      { 'pullguard.dev/image-pull-attempts': '0' },
      { mode: 'warn', invalidAttemptsAnnotation: '0' },
    ],
    [
      { 'pullguard.dev/mode': 'warn' },
      { 'pullguard.dev/image-pull-attempts': 'three' },
      { mode: 'warn', invalidAttemptsAnnotation: 'three' },
    ],
  ];
  for (const [labels, annotations, want] of rows) {
    t.same(readNamespacePolicy(makeNamespace(labels, annotations)), want, JSON.stringify([labels, annotations]));
  }
  t.equal(readNamespacePolicy(undefined), undefined);
});
