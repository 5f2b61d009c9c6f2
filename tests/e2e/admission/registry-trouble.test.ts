/**
 * The admission webhook end to end when the registry is not simply there, default policy (`unauthorized: warn`,
 * `unreachable: allow`): an htpasswd registry admits a Pod whose imagePullSecrets (a real `kubectl create secret
 * docker-registry`) hold the right password, and a workload whose ServiceAccount names it; without credentials the
 * image is `unauthorized`, admitted with a warning in an enforce namespace; a stopped registry is `unreachable`,
 * admitted with a warning (fail open), and the next review after it is back checks it for real.
 */
import t from 'tap';
import { useKube } from '../../harness/kube.ts';
import { podManifest } from '../../harness/webhook.ts';
import {
  apply,
  exists,
  isWarningAbout,
  loggedReviews,
  manifestFor,
  startTroubleScene,
  warningLines,
} from './helpers.ts';

const kube = await useKube(t);
const scene = await startTroubleScene(t, kube, {});
const { serve, credsNamespace, privateImage, outageImage } = scene;

t.test('htpasswd registry: a Pod with the right imagePullSecrets is admitted', async (t) => {
  const pod = podManifest({
    name: 'with-secret',
    namespace: credsNamespace,
    image: privateImage,
    imagePullSecrets: ['regcred'],
  });
  const result = await apply(kube, pod);
  t.equal(result.code, 0, 'kubectl apply succeeds', { stderr: result.stderr });
  t.same(warningLines(result.stderr), [], 'no warnings');
  const [review] = await loggedReviews(
    serve,
    (line) => line.namespace === credsNamespace && line.name === 'with-secret',
  );
  t.match(review, { decision: 'allowed', images: 1 }, 'reviewed and found present');
  t.notOk(review?.findings, 'no finding');
});

t.test('htpasswd registry: a workload whose ServiceAccount names the secret is admitted', async (t) => {
  const deployment = manifestFor('Deployment', { name: 'via-account', namespace: credsNamespace, image: privateImage });
  const template = (deployment.spec as { template: { spec: Record<string, unknown> } }).template;
  template.spec.serviceAccountName = 'puller';
  const result = await apply(kube, deployment);
  t.equal(result.code, 0, 'kubectl apply succeeds', { stderr: result.stderr });
  t.same(warningLines(result.stderr), [], 'no warnings');
});

t.test('htpasswd registry without credentials: unauthorized, admitted with a warning in enforce', async (t) => {
  const pod = podManifest({ name: 'no-secret', namespace: credsNamespace, image: privateImage });
  const result = await apply(kube, pod);
  t.equal(result.code, 0, 'kubectl apply succeeds (unauthorized: warn)', { stderr: result.stderr });
  t.ok(await exists(kube, 'pods', credsNamespace, 'no-secret'), 'the Pod exists');
  const warnings = warningLines(result.stderr);
  t.equal(warnings.length, 1, 'one warning', { warnings });
  const warning = warnings[0] ?? '';
  const answer = `unauthorized: ${scene.locked.host} answered 401`;
  t.ok(isWarningAbout(warning, 'spec.containers[0].image', privateImage, answer), 'names field, image, answer', {
    warning,
  });
  t.ok(warning.length <= 120, `at most 120 characters (${warning.length})`);
  const [review] = await loggedReviews(serve, (line) => line.namespace === credsNamespace && line.name === 'no-secret');
  t.match(review, {
    decision: 'warned',
    findings: [{ fieldPath: 'spec.containers[0].image', outcome: 'unauthorized' }],
  });
  t.comment(warning);
});

t.test('registry stopped: unreachable, admitted with a warning (fail open)', async (t) => {
  const namespace = await serve.createNamespace('outage', 'enforce');
  const stopped = await scene.open.stopTemporarily();
  let result: Awaited<ReturnType<typeof apply>>;
  try {
    result = await apply(kube, podManifest({ name: 'during', namespace, image: outageImage }));
  } finally {
    await stopped.restart();
  }
  t.equal(result.code, 0, 'kubectl apply succeeds', { stderr: result.stderr });
  const warnings = warningLines(result.stderr);
  t.equal(warnings.length, 1, 'one warning', { warnings });
  const warning = warnings[0] ?? '';
  const refused = `not checked: ${scene.open.host} refused the connection`;
  t.ok(isWarningAbout(warning, 'spec.containers[0].image', outageImage, refused), 'names field, image, failure', {
    warning,
  });
  t.ok(warning.length <= 120, `at most 120 characters (${warning.length})`);
  t.comment(warning);

  // An unreachable answer is never cached as a verdict: with the registry back, the image is found.
  const after = await apply(kube, podManifest({ name: 'after', namespace, image: outageImage }));
  t.equal(after.code, 0, 'admitted once the registry is back');
  t.same(warningLines(after.stderr), [], 'without a warning');
});
