import t from 'tap';
import {
  classifyPullFailure,
  createAttemptTracker,
  type PullFailureClass,
  pullEventKind,
} from '../../../server/controller/attempts.ts';
import { makeEvent, makePod, pullFailed, waiting } from './fixtures.ts';

const image = 'registry.example/app:v1';

t.test('classifies the kubelet/runtime pull error', async (t) => {
  const table: [string, PullFailureClass][] = [
    [
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nope:latest": failed to resolve reference "docker.io/library/nope:latest": docker.io/library/nope:latest: not found',
      'not-found',
    ],
    ['failed to resolve reference "ghcr.io/a/b:v1": ghcr.io/a/b:v1: manifest unknown', 'not-found'],
    ['Error response from daemon: manifest for x:v1 not found: manifest unknown', 'not-found'],
    [
      'rpc error: code = Unknown desc = failed to pull and unpack image "ghcr.io/a/b:v1": failed to resolve reference "ghcr.io/a/b:v1": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aa%2Fb%3Apull&service=ghcr.io: 401 Unauthorized',
      'auth-or-rate-limit',
    ],
    ['unexpected status from HEAD request: 403 Forbidden', 'auth-or-rate-limit'],
    [
      'failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/x/manifests/sha256:ab: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.',
      'auth-or-rate-limit',
    ],
    [
      'Error response from daemon: pull access denied for nope, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      'auth-or-rate-limit',
    ],
    [
      'failed to do request: Head "https://r.example/v2/a/manifests/v1": dial tcp 10.0.0.1:443: i/o timeout',
      'auth-or-rate-limit',
    ],
    ['context deadline exceeded', 'auth-or-rate-limit'],
    ['x509: certificate signed by unknown authority', 'generic'],
    ['dial tcp: lookup r.example on 10.96.0.10:53: no such host', 'generic'],
    ['', 'generic'],
  ];
  for (const [message, want] of table) t.equal(classifyPullFailure(message), want, message.slice(0, 70));
});

t.test('which Events are about image pulls', async (t) => {
  const table: [string, string, string | undefined][] = [
    ['Failed', `Failed to pull image "${image}": boom`, 'pull-failed'],
    ['Failed', 'Error: ErrImagePull', 'error-err-image-pull'],
    ['Failed', 'Error: ImagePullBackOff', 'back-off'],
    ['BackOff', `Back-off pulling image "${image}"`, 'back-off'],
    ['Failed', `(combined from similar events): Failed to pull image "${image}": x`, 'pull-failed'],
    ['BackOff', 'Back-off restarting failed container app in pod p_ns', undefined],
    ['Failed', 'Error: CreateContainerConfigError', undefined],
    ['Pulling', `Pulling image "${image}"`, undefined],
  ];
  for (const [reason, message, want] of table) {
    t.equal(pullEventKind(makeEvent({ reason, message })), want, `${reason}: ${message}`);
  }
});

t.test('Events: attempts are the pulls they record, not the back-offs; count and series.count', async (t) => {
  const tracker = createAttemptTracker();
  const pod = makePod({ containers: [{ state: waiting('ImagePullBackOff', `Back-off pulling image "${image}"`) }] });
  const table = [
    {
      name: 'count on both pull Events, back-offs ignored',
      events: [
        pullFailed(image, 'not found', 3),
        makeEvent({ reason: 'Failed', message: 'Error: ErrImagePull', count: 3 }),
        makeEvent({ reason: 'BackOff', message: `Back-off pulling image "${image}"`, count: 12 }),
        makeEvent({ reason: 'Failed', message: 'Error: ImagePullBackOff', count: 12 }),
      ],
      want: 3,
    },
    {
      name: 'series.count (events.k8s.io style) counts',
      events: [pullFailed(image, 'not found', 1, { seriesCount: 4 })],
      want: 4,
    },
    {
      name: 'distinct error messages are distinct Events: their counts add up',
      events: [pullFailed(image, 'i/o timeout', 2), pullFailed(image, 'not found', 2)],
      want: 4,
    },
    {
      name: 'the two pull Events describe the same pulls: the larger wins',
      events: [
        pullFailed(image, 'not found', 2),
        makeEvent({ reason: 'Failed', message: 'Error: ErrImagePull', count: 5 }),
      ],
      want: 5,
    },
    {
      name: 'an Event with no count happened once',
      events: [pullFailed(image, 'not found', undefined as unknown as number)],
      want: 1,
    },
    {
      name: 'Events of an earlier Pod with the same name do not count',
      events: [pullFailed(image, 'not found', 9, { uid: 'other-uid' }), pullFailed(image, 'not found', 1)],
      want: 1,
    },
    {
      name: 'Events of another container do not count',
      events: [pullFailed(image, 'not found', 9, { container: 'sidecar' })],
      want: undefined,
    },
    {
      name: 'without a field path the quoted image names the container',
      events: [pullFailed(image, 'not found', 2, { container: null })],
      want: 2,
    },
  ];
  for (const row of table) {
    const attempts = tracker.attemptsOf(pod, row.events).get('app');
    t.equal(attempts?.eventAttempts, row.want, row.name);
  }
});

t.test('status: each transition into ErrImagePull is an attempt; repeats of one state are not', async (t) => {
  const table = [
    { reasons: ['ErrImagePull'], want: 1 },
    { reasons: ['ErrImagePull', 'ErrImagePull', 'ErrImagePull'], want: 1 },
    { reasons: ['ErrImagePull', 'ImagePullBackOff', 'ErrImagePull'], want: 2 },
    { reasons: ['ImagePullBackOff'], want: 1 },
    { reasons: ['ImagePullBackOff', 'ErrImagePull', 'ImagePullBackOff', 'ErrImagePull'], want: 3 },
    { reasons: ['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff', 'ErrImagePull', 'ImagePullBackOff'], want: 2 },
    { reasons: ['ContainerCreating'], want: undefined },
  ];
  for (const { reasons, want } of table) {
    const tracker = createAttemptTracker();
    let now = 1_000;
    for (const reason of reasons) {
      now += 10;
      tracker.observe(makePod({ containers: [{ state: waiting(reason, 'x') }] }), now);
    }
    const attempts = tracker.attemptsOf(makePod(), []).get('app');
    t.equal(attempts?.statusAttempts, want, reasons.join(' → '));
  }
});

t.test('the attempt count is the max of both streams, never the sum', async (t) => {
  const table = [
    { events: 2, transitions: 3, want: 3 },
    { events: 3, transitions: 3, want: 3 },
    { events: 5, transitions: 1, want: 5 },
    // The spam filter stopped the Events at 25; status kept counting.
    { events: 25, transitions: 30, want: 30 },
  ];
  for (const row of table) {
    const tracker = createAttemptTracker();
    for (let i = 0; i < row.transitions; i++) {
      tracker.observe(makePod({ containers: [{ state: waiting('ErrImagePull', 'not found') }] }), i * 2);
      tracker.observe(makePod({ containers: [{ state: waiting('ImagePullBackOff', 'b') }] }), i * 2 + 1);
    }
    const events = [pullFailed(image, 'not found', row.events)];
    t.equal(tracker.attemptsOf(makePod(), events).get('app')?.attempts, row.want, JSON.stringify(row));
  }
});

t.test('time of the first failure: the earlier of the first Event and the first status observation', async (t) => {
  const tracker = createAttemptTracker();
  const seenAt = Date.parse('2025-01-01T00:05:00Z');
  tracker.observe(makePod({ containers: [{ state: waiting('ErrImagePull', 'not found') }] }), seenAt);
  const early = pullFailed(image, 'not found', 2, { first: '2025-01-01T00:01:00Z', last: '2025-01-01T00:02:00Z' });
  t.equal(tracker.attemptsOf(makePod(), [early]).get('app')?.firstFailureAt, Date.parse('2025-01-01T00:01:00Z'));
  const late = pullFailed(image, 'not found', 2, { first: '2025-01-01T00:09:00Z' });
  t.equal(tracker.attemptsOf(makePod(), [late]).get('app')?.firstFailureAt, seenAt);
  t.equal(tracker.attemptsOf(makePod(), []).get('app')?.firstFailureAt, seenAt);
});

t.test('the last error is the latest of the status message and the Events, and sets the class', async (t) => {
  const tracker = createAttemptTracker();
  const at = Date.parse('2025-01-01T00:05:00Z');
  tracker.observe(makePod({ containers: [{ state: waiting('ErrImagePull', '429 Too Many Requests') }] }), at);
  let attempts = tracker.attemptsOf(makePod(), []).get('app');
  t.equal(attempts?.lastError, '429 Too Many Requests');
  t.equal(attempts?.failureClass, 'auth-or-rate-limit');

  const newer = pullFailed(image, 'rpc error: code = NotFound desc = manifest unknown', 1, {
    last: '2025-01-01T00:06:00Z',
  });
  attempts = tracker.attemptsOf(makePod(), [newer]).get('app');
  t.equal(attempts?.lastError, 'rpc error: code = NotFound desc = manifest unknown');
  t.equal(attempts?.failureClass, 'not-found');

  const older = pullFailed(image, 'i/o timeout', 1, { last: '2025-01-01T00:01:00Z' });
  t.equal(tracker.attemptsOf(makePod(), [older]).get('app')?.lastError, '429 Too Many Requests');
});

t.test('state is per Pod UID and per container, and forget drops it', async (t) => {
  const tracker = createAttemptTracker();
  const two = makePod({
    containers: [
      { name: 'init', init: true, state: waiting('ErrImagePull', 'not found') },
      { name: 'app', state: waiting('PodInitializing') },
    ],
  });
  tracker.observe(two, 1);
  tracker.observe(makePod({ uid: 'uid-2' }), 1);
  t.equal(tracker.size(), 2);
  const attempts = tracker.attemptsOf(two, []);
  t.same([...attempts.keys()], ['init']);
  t.equal(attempts.get('init')?.attempts, 1);
  tracker.forget('uid-1');
  t.equal(tracker.size(), 1);
  t.equal(tracker.attemptsOf(two, []).size, 0);
  t.equal(tracker.attemptsOf(makePod({ uid: 'uid-2' }), []).get('app')?.attempts, 1);
});
