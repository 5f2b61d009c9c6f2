import t from 'tap';
import { buildPodPatch } from '../../../server/admission/patch.ts';
import { escapePointerSegment } from '../../../server/admission/pod-specs.ts';
import { applyJsonPatch } from './helpers/apply-json-patch.ts';
import { DIGEST_A, DIGEST_B, DIGEST_C } from './helpers/fakes.ts';
import { makeFinding, podSpecInfo } from './helpers/findings.ts';

// biome-ignore lint/suspicious/noExplicitAny: a Pod as raw JSON.
function pod(): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api', namespace: 'team-a', annotations: { keep: 'me' } },
    spec: {
      containers: [
        { name: 'api', image: 'ghcr.io/acme/api:v1.2' },
        { name: 'proxy', image: 'nginx' },
        { name: 'pinned', image: `ghcr.io/acme/pinned:v1@${DIGEST_C}` },
      ],
      volumes: [{ name: 'models', image: { reference: 'ghcr.io/acme/models:v1' } }],
    },
  };
}

const findings = [
  makeFinding('present', { digest: DIGEST_A }),
  makeFinding(
    'present',
    { digest: DIGEST_B },
    {
      fieldPath: 'spec.containers[1].image',
      pointer: '/spec/containers/1/image',
      name: 'proxy',
      image: 'nginx',
      pullPolicy: 'Always',
    },
  ),
  makeFinding(
    'present',
    { digest: DIGEST_C },
    {
      fieldPath: 'spec.containers[2].image',
      pointer: '/spec/containers/2/image',
      name: 'pinned',
      image: `ghcr.io/acme/pinned:v1@${DIGEST_C}`,
    },
  ),
  makeFinding(
    'present',
    { digest: DIGEST_B },
    {
      fieldPath: 'spec.volumes[0].image.reference',
      pointer: '/spec/volumes/0/image/reference',
      name: 'models',
      image: 'ghcr.io/acme/models:v1',
      source: 'imageVolume',
    },
  ),
];

t.test('pointer segments escape ~ and /', async (t) => {
  t.equal(escapePointerSegment('pullguard.dev/resolved'), 'pullguard.dev~1resolved');
  t.equal(escapePointerSegment('a~b/c'), 'a~0b~1c');
});

t.test('annotate: the resolved annotation, other annotations kept, images untouched', async (t) => {
  const operations = buildPodPatch({ pod: pod(), findings, mutation: 'annotate' });
  t.same(
    operations.map((operation) => operation.path),
    ['/metadata/annotations/pullguard.dev~1resolved'],
  );
  const result = applyJsonPatch(pod(), operations);
  t.equal(result.metadata.annotations.keep, 'me');
  t.same(JSON.parse(result.metadata.annotations['pullguard.dev/resolved']), {
    api: DIGEST_A,
    proxy: DIGEST_B,
    pinned: DIGEST_C,
    'volume/models': DIGEST_B,
  });
  t.same(result.spec, pod().spec);
});

t.test('annotate creates metadata.annotations, or metadata, when missing', async (t) => {
  const bare = pod();
  delete bare.metadata.annotations;
  const result = applyJsonPatch(bare, buildPodPatch({ pod: bare, findings, mutation: 'annotate' }));
  t.same(Object.keys(result.metadata.annotations), ['pullguard.dev/resolved']);
  t.equal(result.metadata.name, 'api');
  const noMetadata = pod();
  delete noMetadata.metadata;
  const made = applyJsonPatch(noMetadata, buildPodPatch({ pod: noMetadata, findings, mutation: 'annotate' }));
  t.ok(made.metadata.annotations['pullguard.dev/resolved']);
});

t.test('annotate merges with an earlier value; a broken earlier value is replaced', async (t) => {
  const earlier = pod();
  earlier.metadata.annotations['pullguard.dev/resolved'] = JSON.stringify({ sidecar: DIGEST_C, api: 'old', bad: 5 });
  const result = applyJsonPatch(
    earlier,
    buildPodPatch({ pod: earlier, findings: findings.slice(0, 1), mutation: 'annotate' }),
  );
  t.same(JSON.parse(result.metadata.annotations['pullguard.dev/resolved']), { sidecar: DIGEST_C, api: DIGEST_A });
  const broken = pod();
  broken.metadata.annotations['pullguard.dev/resolved'] = '{not json';
  const fixed = applyJsonPatch(
    broken,
    buildPodPatch({ pod: broken, findings: findings.slice(0, 1), mutation: 'annotate' }),
  );
  t.same(JSON.parse(fixed.metadata.annotations['pullguard.dev/resolved']), { api: DIGEST_A });
});

t.test('pin: tag kept, :latest spelled out, pinned images and volumes handled, test before replace', async (t) => {
  const operations = buildPodPatch({ pod: pod(), findings, mutation: 'pin' });
  const result = applyJsonPatch(pod(), operations);
  t.same(
    result.spec.containers.map((container: { image: string }) => container.image),
    [`ghcr.io/acme/api:v1.2@${DIGEST_A}`, `nginx:latest@${DIGEST_B}`, `ghcr.io/acme/pinned:v1@${DIGEST_C}`],
  );
  t.equal(result.spec.volumes[0].image.reference, `ghcr.io/acme/models:v1@${DIGEST_B}`);
  const replaces = operations.filter((operation) => operation.op === 'replace');
  t.equal(replaces.length, 3, 'the already pinned image is left alone');
  operations.forEach((operation, index) => {
    if (operation.op === 'replace')
      t.same(operations[index - 1], {
        op: 'test',
        path: operation.path,
        value: findings.find((f) => f.entry.pointer === operation.path)?.entry.image,
      });
  });
  const changed = pod();
  changed.spec.containers[0].image = 'something-else';
  t.throws(() => applyJsonPatch(changed, operations), /test failed/, 'the patch never lands on another image');
});

t.test('pin only what is present with a well-formed digest, never templates', async (t) => {
  const candidates = [
    makeFinding('absent'),
    makeFinding('unreachable'),
    makeFinding('present', { digest: 'sha256:short' }),
    makeFinding('present', { digest: undefined }),
    makeFinding('present', { digest: DIGEST_A }, { spec: { ...podSpecInfo, isTemplate: true } }),
  ];
  t.same(buildPodPatch({ pod: pod(), findings: candidates, mutation: 'pin' }), []);
});

t.test('a nameless container is pinned but not annotated', async (t) => {
  const nameless = makeFinding('present', { digest: DIGEST_A }, { name: '' });
  t.same(
    buildPodPatch({ pod: pod(), findings: [nameless], mutation: 'pin' }).map((operation) => operation.op),
    ['test', 'replace'],
  );
});

t.test('the verdict annotation', async (t) => {
  const verdict = {
    outcome: 'absent',
    fieldPath: 'spec.containers[0].image',
    container: 'api',
    image: 'ghcr.io/acme/api:v1.2',
    reason: 'ghcr.io answered 404',
  } as const;
  const result = applyJsonPatch(
    pod(),
    buildPodPatch({ pod: pod(), findings: [makeFinding('absent')], mutation: 'annotate', verdict }),
  );
  t.same(JSON.parse(result.metadata.annotations['pullguard.dev/verdict']), verdict);
  t.equal(result.metadata.annotations['pullguard.dev/resolved'], undefined);
});

t.test('nothing resolved, no verdict: no operations', async (t) => {
  t.same(buildPodPatch({ pod: pod(), findings: [makeFinding('absent')], mutation: 'pin' }), []);
});
