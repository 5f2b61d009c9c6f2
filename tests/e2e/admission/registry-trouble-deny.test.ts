/**
 * The admission webhook end to end with the strict policy (`admission.unauthorized: deny`,
 * `admission.unreachable: deny`): in an enforce namespace an image the Pod's credentials cannot pull, and an image
 * whose registry is down, are denied with messages naming the field, the image and what happened; the right pull
 * secret is still admitted, and a warn namespace still only warns.
 */
import t from 'tap';
import { useKube } from '../../harness/kube.ts';
import { podManifest, webhookEntryName } from '../../harness/webhook.ts';
import { apply, denialOf, exists, isWarningAbout, startTroubleScene, warningLines } from './helpers.ts';

const kube = await useKube(t);
const scene = await startTroubleScene(t, kube, { unauthorized: 'deny', unreachable: 'deny' });
const { serve, credsNamespace, privateImage, outageImage } = scene;
const enforce = webhookEntryName('enforce');

t.test('htpasswd registry without credentials: denied', async (t) => {
  const result = await apply(kube, podManifest({ name: 'no-secret', namespace: credsNamespace, image: privateImage }));
  t.not(result.code, 0, 'kubectl apply fails');
  const denial = denialOf(result.stderr, enforce);
  const head = `spec.containers[0].image "${privateImage}" cannot be pulled with the Pod's credentials: `;
  const answer = `${scene.locked.host} answered 401 (the repository may not exist, or nodes may hold other credentials)`;
  t.equal(denial, `${head}${answer}`, "names field and image, the registry's answer and a hint");
  t.notOk(await exists(kube, 'pods', credsNamespace, 'no-secret'), 'no Pod was created');
  t.comment(denial);
});

t.test('htpasswd registry with the right imagePullSecrets: still admitted', async (t) => {
  const pod = podManifest({
    name: 'with-secret',
    namespace: credsNamespace,
    image: privateImage,
    imagePullSecrets: ['regcred'],
  });
  const result = await apply(kube, pod);
  t.equal(result.code, 0, 'kubectl apply succeeds', { stderr: result.stderr });
  t.same(warningLines(result.stderr), [], 'no warnings');
});

t.test('registry stopped: denied in enforce, warned in warn', async (t) => {
  const enforcing = await serve.createNamespace('outage', 'enforce');
  const warning = await serve.createNamespace('outage-warn', 'warn');
  const stopped = await scene.open.stopTemporarily();
  let denied: Awaited<ReturnType<typeof apply>>;
  let warned: Awaited<ReturnType<typeof apply>>;
  try {
    denied = await apply(kube, podManifest({ name: 'during', namespace: enforcing, image: outageImage }));
    warned = await apply(kube, podManifest({ name: 'during', namespace: warning, image: outageImage }));
  } finally {
    await stopped.restart();
  }
  t.not(denied.code, 0, 'enforce: kubectl apply fails');
  const denial = denialOf(denied.stderr, enforce);
  const refused = `${scene.open.host} refused the connection`;
  t.equal(
    denial,
    `spec.containers[0].image "${outageImage}" could not be checked: ${refused}`,
    'names field and image',
  );
  t.comment(denial);

  t.equal(warned.code, 0, 'warn: kubectl apply succeeds', { stderr: warned.stderr });
  const lines = warningLines(warned.stderr);
  t.equal(lines.length, 1, 'with one warning', { lines });
  t.ok(isWarningAbout(lines[0] ?? '', 'spec.containers[0].image', outageImage, `not checked: ${refused}`), { lines });

  const after = await apply(kube, podManifest({ name: 'after', namespace: enforcing, image: outageImage }));
  t.equal(after.code, 0, 'admitted once the registry is back', { stderr: after.stderr });
});
