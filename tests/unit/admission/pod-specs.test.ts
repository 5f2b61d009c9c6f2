import t from 'tap';
import { decodeReview } from '../../../server/admission/decode-review.ts';
import { collectImages, type ImageCollection } from '../../../server/admission/pod-specs.ts';
import { loadReview, type Review } from './helpers/fixtures.ts';

function collect(body: Review, limit = 1000): ImageCollection {
  const { request } = decodeReview(body);
  if (request.object === null) throw new Error('fixture without object');
  return collectImages({
    kind: request.kind,
    subResource: request.subResource,
    object: request.object,
    oldObject: request.operation === 'UPDATE' ? request.oldObject : null,
    limit,
  });
}

const workloads: { fixture: string; prefix: string; isTemplate: boolean }[] = [
  { fixture: 'pod-create', prefix: 'spec', isTemplate: false },
  { fixture: 'deployment-create', prefix: 'spec.template.spec', isTemplate: true },
  { fixture: 'statefulset-create', prefix: 'spec.template.spec', isTemplate: true },
  { fixture: 'daemonset-create', prefix: 'spec.template.spec', isTemplate: true },
  { fixture: 'replicaset-create', prefix: 'spec.template.spec', isTemplate: true },
  { fixture: 'replicationcontroller-create', prefix: 'spec.template.spec', isTemplate: true },
  { fixture: 'job-create', prefix: 'spec.template.spec', isTemplate: true },
  { fixture: 'cronjob-create', prefix: 'spec.jobTemplate.spec.template.spec', isTemplate: true },
  { fixture: 'podtemplate-create', prefix: 'template.spec', isTemplate: true },
];

for (const { fixture, prefix, isTemplate } of workloads) {
  t.test(`${fixture}: field paths of containers, init containers and image volumes`, async (t) => {
    const collection = collect(loadReview(fixture));
    t.equal(collection.total, 4);
    t.same(
      collection.entries.map((entry) => [entry.fieldPath, entry.image, entry.pullPolicy, entry.name, entry.source]),
      [
        [`${prefix}.containers[0].image`, 'ghcr.io/acme/api:v1.2', 'IfNotPresent', 'api', 'container'],
        [`${prefix}.containers[1].image`, 'nginx', 'Always', 'proxy', 'container'],
        [`${prefix}.initContainers[0].image`, 'ghcr.io/acme/migrate:v3', 'IfNotPresent', 'migrate', 'initContainer'],
        [
          `${prefix}.volumes[1].image.reference`,
          'ghcr.io/acme/models:2024-06',
          'IfNotPresent',
          'models',
          'imageVolume',
        ],
      ],
    );
    const pointers = collection.entries.map((entry) => entry.pointer);
    t.equal(pointers[0], `/${prefix.replaceAll('.', '/')}/containers/0/image`);
    t.equal(pointers[3], `/${prefix.replaceAll('.', '/')}/volumes/1/image/reference`);
    const spec = collection.spec;
    t.ok(spec);
    t.equal(spec?.fieldPath, prefix);
    t.equal(spec?.isTemplate, isTemplate);
    t.same(spec?.pullSecretNames, ['regcred']);
    t.equal(spec?.listsPullSecrets, true);
    t.equal(spec?.serviceAccountName, 'builder');
    t.ok(collection.entries.every((entry) => entry.state === 'set' && entry.spec === spec));
  });
}

t.test('unsupported kinds and subresources carry no images', async (t) => {
  const service = loadReview('pod-create');
  service.request.kind = { group: '', version: 'v1', kind: 'Service' };
  t.same(collect(service), { spec: undefined, entries: [], total: 0 });
  const status = loadReview('pod-create');
  status.request.subResource = 'status';
  t.equal(collect(status).total, 0, 'pods/status is not checked');
  const scale = loadReview('deployment-create');
  scale.request.subResource = 'ephemeralcontainers';
  t.equal(collect(scale).total, 0, 'ephemeralcontainers is a Pod subresource only');
  const wrongGroup = loadReview('deployment-create');
  wrongGroup.request.kind.group = 'example.com';
  t.equal(collect(wrongGroup).total, 0, 'a Deployment of another group is not ours');
  const noTemplate = loadReview('replicationcontroller-create');
  delete noTemplate.request.object.spec.template;
  t.equal(collect(noTemplate).total, 0, 'a ReplicationController without template');
});

t.test('extensions/v1beta1 Deployments still use the template', async (t) => {
  const body = loadReview('deployment-create');
  body.request.kind = { group: 'extensions', version: 'v1beta1', kind: 'Deployment' };
  t.equal(collect(body).total, 4);
});

t.test('UPDATE: only changed image fields count, new containers included', async (t) => {
  const collection = collect(loadReview('deployment-update'));
  t.same(
    collection.entries.map((entry) => [entry.fieldPath, entry.image]),
    [
      ['spec.template.spec.containers[1].image', 'nginx:1.27'],
      ['spec.template.spec.containers[2].image', 'quay.io/prometheus/statsd-exporter:v0.26.1'],
    ],
  );
  t.equal(collection.total, 2);
  t.equal(collect(loadReview('deployment-update-replicas')).total, 0, 'a replicas change checks nothing');
});

t.test('UPDATE without oldObject checks everything', async (t) => {
  const body = loadReview('deployment-update');
  body.request.oldObject = null;
  t.equal(collect(body).total, 5);
});

t.test('pods/ephemeralcontainers: only the new ephemeral container', async (t) => {
  const collection = collect(loadReview('pod-ephemeralcontainers'));
  t.same(
    collection.entries.map((entry) => [entry.fieldPath, entry.image, entry.source, entry.name, entry.pullPolicy]),
    [['spec.ephemeralContainers[0].image', 'busybox:1.36', 'ephemeralContainer', 'debugger-x7k2p', 'IfNotPresent']],
  );
  const again = loadReview('pod-ephemeralcontainers');
  again.request.oldObject = again.request.object;
  t.equal(collect(again).total, 0, 'an unchanged ephemeral container is not checked again');
});

t.test('pull policies are defaulted as the API server does when absent', async (t) => {
  const cases: [string, string | undefined, string][] = [
    ['nginx', undefined, 'Always'],
    ['nginx:latest', undefined, 'Always'],
    ['nginx:1.27', undefined, 'IfNotPresent'],
    [`nginx@sha256:${'a'.repeat(64)}`, undefined, 'IfNotPresent'],
    [`nginx:latest@sha256:${'a'.repeat(64)}`, undefined, 'Always'],
    ['NOT VALID', undefined, 'IfNotPresent'],
    ['nginx', 'Never', 'Never'],
    ['nginx:1.27', 'Always', 'Always'],
    ['nginx', 'Sometimes', 'Always'],
  ];
  for (const [image, written, expected] of cases) {
    const body = loadReview('pod-create');
    const container = body.request.object.spec.containers[0];
    container.image = image;
    if (written === undefined) delete container.imagePullPolicy;
    else container.imagePullPolicy = written;
    t.equal(collect(body).entries[0]?.pullPolicy, expected, `${image} with ${written ?? 'no policy'}`);
  }
  const volume = loadReview('pod-create');
  delete volume.request.object.spec.volumes[1].image.pullPolicy;
  volume.request.object.spec.volumes[1].image.reference = 'ghcr.io/acme/models';
  t.equal(collect(volume).entries[3]?.pullPolicy, 'Always', 'image volumes default the same way');
});

t.test('hostile shapes become malformed entries, never exceptions', async (t) => {
  const body = loadReview('pod-create');
  const spec = body.request.object.spec;
  spec.containers = [
    { name: 'a', image: 42 },
    { name: 'b', image: ['nginx'] },
    { name: 'c' },
    'not-a-container',
    null,
    { name: 'f', image: { nested: true } },
    { name: 'g', image: 'ok:1' },
  ];
  spec.initContainers = { not: 'a list' };
  spec.volumes = [{ name: 'v', image: 'not-an-object' }, { name: 'w', image: null }, 5];
  const collection = collect(body);
  t.same(
    collection.entries.map((entry) => [entry.fieldPath, entry.state, entry.problem]),
    [
      ['spec.containers[0].image', 'malformed', 'image must be a string, not number'],
      ['spec.containers[1].image', 'malformed', 'image must be a string, not array'],
      ['spec.containers[2].image', 'malformed', 'image is required'],
      ['spec.containers[3].image', 'malformed', 'container is not an object (string)'],
      ['spec.containers[4].image', 'malformed', 'container is not an object (null)'],
      ['spec.containers[5].image', 'malformed', 'image must be a string, not object'],
      ['spec.containers[6].image', 'set', ''],
      ['spec.volumes[0].image.reference', 'malformed', 'image volume source is not an object'],
    ],
  );
});

t.test('templates may leave the image empty (filled in later): unset, not malformed', async (t) => {
  const body = loadReview('deployment-create');
  delete body.request.object.spec.template.spec.containers[0].image;
  body.request.object.spec.template.spec.containers[1].image = '';
  const states = collect(body).entries.map((entry) => entry.state);
  t.same(states.slice(0, 2), ['unset', 'unset']);
  const pod = loadReview('pod-create');
  pod.request.object.spec.containers[0].image = '';
  t.equal(collect(pod).entries[0]?.state, 'malformed', 'a Pod must name an image');
});

t.test('the limit caps entries but every field is counted', async (t) => {
  const body = loadReview('pod-create');
  body.request.object.spec.containers = Array.from({ length: 5000 }, (_, index) => ({
    name: `c${index}`,
    image: `img:${index}`,
  }));
  const collection = collect(body, 1000);
  t.equal(collection.entries.length, 1000);
  t.equal(collection.total, 5002, '5000 containers + 1 init container + 1 image volume');
});

t.test('service account, pull secrets and deprecated serviceAccount', async (t) => {
  const body = loadReview('deployment-create');
  const spec = body.request.object.spec.template.spec;
  delete spec.serviceAccountName;
  spec.serviceAccount = 'legacy';
  spec.imagePullSecrets = [{ name: '' }, { name: 'one' }, { nope: 1 }, 'two', { name: 'three' }];
  const info = collect(body).spec;
  t.equal(info?.serviceAccountName, 'legacy');
  t.same(info?.pullSecretNames, ['one', 'three']);
  t.equal(info?.listsPullSecrets, true);
  delete spec.serviceAccount;
  spec.imagePullSecrets = [];
  const bare = collect(body).spec;
  t.equal(bare?.serviceAccountName, undefined);
  t.equal(bare?.listsPullSecrets, false);
});
