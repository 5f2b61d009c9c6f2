import t from 'tap';
import { DEFAULT_ADMISSION_POLICY } from '../../../server/admission/policy.ts';
import { handleReview } from '../../../server/admission/review-handler.ts';
import { makeHarness } from './helpers/deps.ts';
import { absent, FakeCredentials, outcomeOf } from './helpers/fakes.ts';
import { loadReview } from './helpers/fixtures.ts';

const enforce = { kind: 'validate', mode: 'enforce' } as const;
const warn = { kind: 'validate', mode: 'warn' } as const;
const audit = { kind: 'validate', mode: 'audit' } as const;

t.test('enforce: a missing image is denied with one line naming field, image and answer', async (t) => {
  const { deps, resolver, records } = makeHarness();
  resolver.on('ghcr.io/acme/api:v1.2', absent('ghcr.io'));
  const answer = await handleReview(loadReview('pod-create'), deps, enforce);
  t.same(answer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message: 'spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN',
      },
    },
  });
  t.equal(records.length, 1);
  t.equal(records[0]?.result, 'denied');
  t.equal(records[0]?.dryRun, false);
});

t.test('every image of the spec is resolved once, with the Pod credentials and candidate platforms', async (t) => {
  const { deps, resolver, credentials } = makeHarness();
  const answer = await handleReview(loadReview('pod-create'), deps, enforce);
  t.same(answer.response, { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  t.same(
    resolver.images().sort(),
    ['ghcr.io/acme/api:v1.2', 'ghcr.io/acme/migrate:v3', 'ghcr.io/acme/models:2024-06', 'nginx'].sort(),
  );
  const api = resolver.requests.find((request) => request.image === 'ghcr.io/acme/api:v1.2');
  t.same(api?.credentials, ['regcred@ghcr.io/acme/api'], 'keyring looked up by normalized name');
  t.same(resolver.requests.find((request) => request.image === 'nginx')?.credentials, [
    'regcred@docker.io/library/nginx',
  ]);
  t.same(api?.platforms, [{ os: 'linux', architecture: 'arm64' }], 'nodeSelector arch=arm64');
  t.same(credentials.requests, [
    {
      namespace: 'team-a',
      pullSecretNames: ['regcred'],
      serviceAccountName: 'builder',
      includeServiceAccountSecrets: false,
    },
  ]);
});

t.test('the same image twice is resolved once', async (t) => {
  const { deps, resolver } = makeHarness();
  const body = loadReview('pod-create');
  body.request.object.spec.initContainers[0].image = 'nginx';
  await handleReview(body, deps, enforce);
  t.equal(resolver.images().filter((image) => image === 'nginx').length, 1);
});

t.test('no platform check when no cluster platform is configured', async (t) => {
  const { deps, resolver } = makeHarness({ clusterPlatforms: [] });
  await handleReview(loadReview('pod-create'), deps, enforce);
  t.ok(resolver.requests.every((request) => !('platforms' in request)));
});

t.test('v1beta1 reviews are answered in v1beta1', async (t) => {
  const { deps } = makeHarness();
  t.equal((await handleReview(loadReview('pod-create-v1beta1'), deps, enforce)).apiVersion, 'admission.k8s.io/v1beta1');
});

t.test(
  'warn: admitted with the same facts as warnings; audit: admitted silently with an audit annotation',
  async (t) => {
    const { deps, resolver } = makeHarness();
    resolver.on('ghcr.io/acme/api:v1.2', absent('ghcr.io'));
    const warned = await handleReview(loadReview('pod-create'), deps, warn);
    t.equal(warned.response.allowed, true);
    t.same(warned.response.warnings, [
      'spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN',
    ]);
    const audited = await handleReview(loadReview('pod-create'), deps, audit);
    t.equal(audited.response.allowed, true);
    t.equal(audited.response.warnings, undefined);
    t.match(JSON.parse(audited.response.auditAnnotations?.images ?? ''), {
      count: 1,
      findings: [{ outcome: 'absent' }],
    });
  },
);

const workloads: [string, string][] = [
  ['deployment-create', 'spec.template.spec'],
  ['statefulset-create', 'spec.template.spec'],
  ['daemonset-create', 'spec.template.spec'],
  ['replicaset-create', 'spec.template.spec'],
  ['replicationcontroller-create', 'spec.template.spec'],
  ['job-create', 'spec.template.spec'],
  ['cronjob-create', 'spec.jobTemplate.spec.template.spec'],
  ['podtemplate-create', 'template.spec'],
];

for (const [fixture, prefix] of workloads) {
  t.test(`${fixture}: denial names the template's field path; template credentials`, async (t) => {
    const { deps, resolver, credentials } = makeHarness();
    resolver.on('ghcr.io/acme/migrate:v3', absent('ghcr.io'));
    resolver.on(
      'ghcr.io/acme/models:2024-06',
      outcomeOf('platform-missing', 'ghcr.io', 'the index lists linux/amd64 only'),
    );
    const answer = await handleReview(loadReview(fixture), deps, enforce);
    t.equal(answer.response.allowed, false);
    t.equal(
      answer.response.status?.message,
      `${prefix}.initContainers[0].image "ghcr.io/acme/migrate:v3" not found: ghcr.io answered 404 MANIFEST_UNKNOWN; ` +
        `${prefix}.volumes[1].image.reference "ghcr.io/acme/models:2024-06" has no image for linux/arm64: the index lists linux/amd64 only`,
    );
    t.same(
      credentials.requests[0],
      {
        namespace: 'team-a',
        pullSecretNames: ['regcred'],
        serviceAccountName: 'builder',
        includeServiceAccountSecrets: false,
      },
      'the template lists pull secrets: the ServiceAccount plugin will add none',
    );
  });
}

t.test("a template without pull secrets gets its ServiceAccount's; a Pod never", async (t) => {
  const { deps, credentials, resolver } = makeHarness();
  const deployment = loadReview('deployment-create');
  delete deployment.request.object.spec.template.spec.imagePullSecrets;
  delete deployment.request.object.spec.template.spec.serviceAccountName;
  await handleReview(deployment, deps, enforce);
  t.same(credentials.requests[0], {
    namespace: 'team-a',
    pullSecretNames: [],
    serviceAccountName: 'default',
    includeServiceAccountSecrets: true,
  });
  t.same(resolver.requests.find((r) => r.image === 'nginx')?.credentials, ['sa:default@docker.io/library/nginx']);
  const pod = loadReview('pod-create');
  delete pod.request.object.spec.imagePullSecrets;
  await handleReview(pod, deps, enforce);
  t.equal(
    credentials.requests[1]?.includeServiceAccountSecrets,
    false,
    'the ServiceAccount plugin already ran for Pods',
  );
});

t.test('a pull secret the kubelet cannot decode denies in enforce, warns in warn, resolves nothing', async (t) => {
  const credentials = new FakeCredentials({
    ok: false,
    error: { message: 'image pull secret "regcred" cannot be decoded: auth is not valid base64' },
  });
  const { deps, resolver } = makeHarness({ credentials });
  const answer = await handleReview(loadReview('deployment-create'), deps, enforce);
  t.equal(answer.response.allowed, false);
  t.equal(
    answer.response.status?.message,
    'spec.template.spec.imagePullSecrets cannot be used: image pull secret "regcred" cannot be decoded: auth is not valid base64; the kubelet would fail every image pull of this Pod',
  );
  t.same(resolver.requests, []);
  const warned = await handleReview(loadReview('deployment-create'), deps, warn);
  t.equal(warned.response.allowed, true);
  t.match(warned.response.warnings?.[0], /^spec\.template\.spec\.imagePullSecrets cannot be used: image pull secret/);
});

t.test('exempt images and imagePullPolicy Never are skipped without I/O', async (t) => {
  const { deps, resolver, credentials } = makeHarness({
    policy: { ...DEFAULT_ADMISSION_POLICY, exemptImages: ['ghcr.io/acme/**'] },
  });
  const body = loadReview('pod-create');
  body.request.object.spec.containers[1].imagePullPolicy = 'Never';
  const answer = await handleReview(body, deps, enforce);
  t.equal(answer.response.allowed, true);
  t.same(resolver.requests, []);
  t.same(credentials.requests, [], 'no credentials needed when nothing is resolved');
});

t.test('an exempt pattern also covers an unparsable image', async (t) => {
  const { deps } = makeHarness({ policy: { ...DEFAULT_ADMISSION_POLICY, exemptImages: ['PLACEHOLDER*'] } });
  const body = loadReview('pod-create');
  body.request.object.spec.containers[0].image = 'PLACEHOLDER_IMAGE';
  t.equal((await handleReview(body, deps, enforce)).response.allowed, true);
});

t.test('UPDATE resolves only the changed images; an unrelated change resolves nothing', async (t) => {
  const { deps, resolver } = makeHarness();
  await handleReview(loadReview('deployment-update'), deps, enforce);
  t.same(resolver.images().sort(), ['nginx:1.27', 'quay.io/prometheus/statsd-exporter:v0.26.1']);
  const { deps: other, resolver: untouched } = makeHarness();
  const answer = await handleReview(loadReview('deployment-update-replicas'), other, enforce);
  t.same(answer.response, { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  t.same(untouched.requests, []);
});

t.test('pods/ephemeralcontainers: the new ephemeral container is checked', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('busybox:1.36', absent('docker.io'));
  const answer = await handleReview(loadReview('pod-ephemeralcontainers'), deps, enforce);
  t.same(resolver.images(), ['busybox:1.36']);
  t.equal(
    answer.response.status?.message,
    'spec.ephemeralContainers[0].image "busybox:1.36" not found: docker.io answered 404 MANIFEST_UNKNOWN',
  );
});

t.test('DELETE and CONNECT are allowed without work', async (t) => {
  const { deps, resolver } = makeHarness();
  t.same((await handleReview(loadReview('pod-delete'), deps, enforce)).response, {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    allowed: true,
  });
  t.same(resolver.requests, []);
});

t.test('controller-owned Pod with a missing image: admitted with warning and audit verdict', async (t) => {
  const { deps, resolver } = makeHarness();
  resolver.on('nginx', absent('docker.io'));
  const answer = await handleReview(loadReview('pod-owned-create'), deps, enforce);
  t.equal(answer.response.allowed, true);
  t.same(answer.response.warnings, [
    'spec.containers[1].image "nginx" not found: docker.io answered 404 MANIFEST_UNKNOWN',
    'controller-owned Pod admitted (ownedPods: fail): pullguard will fail it',
  ]);
  t.match(JSON.parse(answer.response.auditAnnotations?.verdict ?? ''), { outcome: 'absent', container: 'proxy' });
  const strict = makeHarness({ policy: { ...DEFAULT_ADMISSION_POLICY, ownedPods: 'deny' } });
  strict.resolver.on('nginx', absent('docker.io'));
  t.equal((await handleReview(loadReview('pod-owned-create'), strict.deps, enforce)).response.allowed, false);
});

t.test('dryRun: the same decision, flagged for the observers', async (t) => {
  const { deps, resolver, records } = makeHarness();
  resolver.on('ghcr.io/acme/api:v1.2', absent('ghcr.io'));
  const dry = loadReview('pod-create');
  dry.request.dryRun = true;
  const dryAnswer = await handleReview(dry, deps, enforce);
  const realAnswer = await handleReview(loadReview('pod-create'), deps, enforce);
  t.same(dryAnswer, realAnswer);
  t.same(
    records.map((record) => record.dryRun),
    [true, false],
  );
  t.same(
    records[0]?.findings.find((finding) => finding.outcome === 'absent'),
    {
      fieldPath: 'spec.containers[0].image',
      outcome: 'absent',
      registry: 'ghcr.io',
    },
  );
});
