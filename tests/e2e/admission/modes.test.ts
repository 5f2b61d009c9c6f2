/**
 * The admission webhook end to end, default policy: `pullguard serve` (a child process, certificates in a Secret it
 * creates, caBundle filled by its own loop) called by a real kube-apiserver for `kubectl apply`, against a real
 * registry. enforce rejects missing tags, missing repositories, invalid references and indexes without the cluster's
 * platform for a Pod and every workload kind; warn admits with `Warning:` lines; audit admits silently and leaves
 * an audit annotation in the apiserver's audit log; namespaces without the mode label are never sent; a server-side
 * dry run gets the same decision and creates nothing; UPDATEs are checked only when they change an image.
 */
import t from 'tap';
import { eventually } from '../../harness/eventually.ts';
import { useKube } from '../../harness/kube.ts';
import { pushImage, pushIndex } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { type ReviewLogLine, useWebhookServe, waitUntilEffective, webhookEntryName } from '../../harness/webhook.ts';
import {
  ALL_KINDS,
  apply,
  auditEvents,
  denialOf as denialIn,
  exists,
  imageField,
  isWarningAbout,
  KINDS,
  manifestFor,
  type PodBearingKind,
  loggedReviews as reviewsIn,
  warningLines,
} from './helpers.ts';

const kube = await useKube(t);
const registry = await useRegistry(t);
await pushImage(registry, { repository: 'e2e/app', tag: 'v1' });
await pushIndex(registry, {
  repository: 'e2e/multi',
  tag: 'v1',
  platforms: [
    { os: 'linux', architecture: 'arm64' },
    { os: 'linux', architecture: 's390x' },
  ],
});
const host = registry.host;
const probeImage = `${host}/e2e/probe-absent:v1`;
const serve = await useWebhookServe(t, kube, { insecureRegistries: [host], probeImage });

const presentImage = `${host}/e2e/app:v1`;

interface Problem {
  name: string;
  image: string;
  /** What follows the quoted image in the denial line. */
  says: RegExp;
  /** How the warning (at most 120 characters) starts after the quoted image. */
  warns: string;
}

// docker-registry 2.8 answers MANIFEST_UNKNOWN for a repository that does not exist too (REGISTRY.md §2.3).
const notFound = `not found: ${host} answered 404 MANIFEST_UNKNOWN`;

const problems: Problem[] = [
  { name: 'missing tag', image: `${host}/e2e/app:no-such-tag`, says: exactly(notFound), warns: notFound },
  { name: 'missing repository', image: `${host}/e2e/no-such-repo:v1`, says: exactly(notFound), warns: notFound },
  {
    name: 'invalid reference',
    image: `${host}/e2e/Not-Lowercase:v1`,
    says: /^is not a valid image reference: invalid reference format: repository name \(e2e\/Not-Lowercase\) must be lowercase$/,
    warns: 'is invalid: invalid reference format: ',
  },
  {
    name: 'platform-missing index',
    image: `${host}/e2e/multi:v1`,
    says: /^has no image for linux\/amd64: no linux\/amd64 entry in the index \(has linux\/arm64, linux\/s390x\)$/,
    warns: 'has no image for linux/amd64: no linux/amd64 entry in the index',
  },
];

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

const enforceWebhook = webhookEntryName('enforce');

/** The denial kubectl printed for the enforce webhook. */
function denialOf(stderr: string): string {
  return denialIn(stderr, enforceWebhook);
}

/** pullguard's review log lines matching `predicate`, once there are at least `count`. */
function loggedReviews(predicate: (line: ReviewLogLine) => boolean, count = 1): Promise<ReviewLogLine[]> {
  return reviewsIn(serve, predicate, count);
}

t.test('enforce: each problem is rejected for a Pod and every workload kind', async (t) => {
  const namespace = await serve.createNamespace('enforce', 'enforce');
  for (const kind of ALL_KINDS) {
    t.test(kind, async (t) => {
      for (const [index, problem] of problems.entries()) {
        const name = `${kind.toLowerCase()}-${index}`;
        const result = await apply(kube, manifestFor(kind, { name, namespace, image: problem.image }));
        t.not(result.code, 0, `${problem.name}: kubectl apply fails`);
        const denial = denialOf(result.stderr);
        const head = `${imageField(kind)} "${problem.image}" `;
        t.ok(denial.startsWith(head), `${problem.name}: the denial names the field and the image`, {
          found: result.stderr,
          wanted: head,
        });
        t.match(denial.slice(head.length), problem.says, `${problem.name}: the denial says why`);
      }
      const listed = await kube.kubectl(['get', KINDS[kind].resource, '-n', namespace, '-o', 'name']);
      t.equal(listed.code, 0);
      t.equal(listed.stdout.trim(), '', `no ${kind} was created`);
    });
  }
});

t.test('enforce: a present image is admitted for a Pod and every workload kind', async (t) => {
  const namespace = await serve.createNamespace('present', 'enforce');
  for (const kind of ALL_KINDS) {
    const name = `${kind.toLowerCase()}-ok`;
    const result = await apply(kube, manifestFor(kind, { name, namespace, image: presentImage }));
    t.equal(result.code, 0, `${kind} admitted`, { stderr: result.stderr });
    t.same(warningLines(result.stderr), [], `${kind}: no warnings`);
    t.ok(await exists(kube, KINDS[kind].resource, namespace, name), `${kind} exists`);
  }
  const reviewed = await loggedReviews(
    (line) => line.namespace === namespace && line.operation === 'CREATE',
    ALL_KINDS.length,
  );
  t.same(new Set(reviewed.map((line) => line.kind)), new Set(ALL_KINDS), 'pullguard reviewed every kind');
});

t.test('enforce: UPDATEs are checked when they change an image', async (t) => {
  // Objects whose image is already missing, created before the namespace opted in (nothing reviewed them).
  const namespace = await serve.createNamespace('update', null);
  const old = `${host}/e2e/app:gone-before-opt-in`;
  const kinds: PodBearingKind[] = ['Pod', 'Deployment'];
  for (const kind of kinds) {
    const created = await apply(kube, manifestFor(kind, { name: 'subject', namespace, image: old }));
    t.equal(created.code, 0, `${kind} created before opting in`, { stderr: created.stderr });
  }
  const labelled = await kube.kubectl(['label', 'namespace', namespace, 'pullguard.dev/mode=enforce']);
  t.equal(labelled.code, 0);
  await waitUntilEffective(kube, namespace, probeImage, serve);

  for (const kind of kinds) {
    const relabelled = await apply(
      kube,
      manifestFor(kind, { name: 'subject', namespace, image: old, labels: { touched: 'yes' } }),
    );
    t.equal(relabelled.code, 0, `${kind}: an UPDATE that changes no image is admitted`, {
      stderr: relabelled.stderr,
    });
    const [review] = await loggedReviews(
      (line) =>
        line.namespace === namespace && line.kind === kind && line.name === 'subject' && line.operation === 'UPDATE',
    );
    t.match(review, { decision: 'allowed', images: 0 }, `${kind}: reviewed, with no image to check`);

    const missing = `${host}/e2e/app:no-such-tag-${kind.toLowerCase()}`;
    const changed = await apply(kube, manifestFor(kind, { name: 'subject', namespace, image: missing }));
    t.not(changed.code, 0, `${kind}: an UPDATE to a missing image is rejected`);
    t.ok(denialOf(changed.stderr).startsWith(`${imageField(kind)} "${missing}" not found: `), 'named in the denial', {
      stderr: changed.stderr,
    });
    const current = await kube.kubectl(['get', KINDS[kind].resource, 'subject', '-n', namespace, '-o', 'json']);
    t.match(current.stdout, old, `${kind} still has its old image`);
  }
});

t.test('enforce: an ephemeral container with a missing image is rejected', async (t) => {
  const namespace = await serve.createNamespace('debug', 'enforce');
  const created = await apply(kube, manifestFor('Pod', { name: 'target', namespace, image: presentImage }));
  t.equal(created.code, 0, 'the Pod is admitted', { stderr: created.stderr });
  const missing = `${host}/e2e/debug-tools:absent`;
  const debug = await kube.kubectl(['debug', '-n', namespace, 'target', `--image=${missing}`, '--container=dbg']);
  t.not(debug.code, 0, 'kubectl debug fails');
  t.ok(denialOf(debug.stderr).startsWith(`spec.ephemeralContainers[0].image "${missing}" not found: `), {
    stderr: debug.stderr,
  });
  const [review] = await loggedReviews(
    (line) => line.namespace === namespace && line.name === 'target' && line.operation === 'UPDATE',
  );
  t.match(review, { kind: 'Pod', decision: 'denied', subResource: 'ephemeralcontainers' });
});

t.test('server-side dry run: the same decision, nothing created', async (t) => {
  const namespace = await serve.createNamespace('dry-run', 'enforce');
  const missing = problems[0]?.image ?? '';
  const real = await apply(kube, manifestFor('Deployment', { name: 'real', namespace, image: missing }));
  const dry = await apply(kube, manifestFor('Deployment', { name: 'real', namespace, image: missing }), [
    '--dry-run=server',
  ]);
  t.not(dry.code, 0, 'the dry run is rejected');
  t.equal(denialOf(dry.stderr), denialOf(real.stderr), 'with the same message as a real apply');
  t.not(denialOf(dry.stderr), '');

  const admitted = await apply(kube, manifestFor('Deployment', { name: 'fine', namespace, image: presentImage }), [
    '--dry-run=server',
  ]);
  t.equal(admitted.code, 0, 'a present image is admitted in a dry run');
  t.match(admitted.stdout, /server dry run/);
  t.notOk(await exists(kube, 'deployments.apps', namespace, 'fine'), 'nothing was created');
  const dryReviews = await loggedReviews((line) => line.namespace === namespace && line.dryRun, 2);
  t.same(dryReviews.map((line) => line.decision).sort(), ['allowed', 'denied'], 'pullguard saw both as dry runs');
});

t.test('warn: admitted, with a Warning line naming each problem', async (t) => {
  const namespace = await serve.createNamespace('warn', 'warn');
  const pod = manifestFor('Pod', { name: 'four-problems', namespace, image: presentImage });
  const spec = pod.spec as { containers: { name: string; image: string }[] };
  spec.containers = problems.map((problem, index) => ({ name: `c${index}`, image: problem.image }));
  const result = await apply(kube, pod);
  t.equal(result.code, 0, 'kubectl apply succeeds', { stderr: result.stderr });
  t.ok(await exists(kube, 'pods', namespace, 'four-problems'), 'the Pod exists');
  const warnings = warningLines(result.stderr);
  t.equal(warnings.length, problems.length, 'one warning per problem', { warnings });
  for (const [index, problem] of problems.entries()) {
    const field = `spec.containers[${index}].image`;
    const warning = warnings.find((line) => line.startsWith(`${field} "`)) ?? '';
    t.ok(isWarningAbout(warning, field, problem.image, problem.warns), `${problem.name}: field, image, problem`, {
      warning,
    });
    t.ok(warning.length <= 120, `${problem.name}: at most 120 characters (${warning.length})`);
  }
  t.comment(warnings.join('\n'));
});

t.test('audit: admitted silently, the finding lands in the apiserver audit log', async (t) => {
  const namespace = await serve.createNamespace('audit', 'audit');
  const image = problems[1]?.image ?? '';
  const result = await apply(kube, manifestFor('Pod', { name: 'quiet', namespace, image }));
  t.equal(result.code, 0, 'kubectl apply succeeds');
  t.same(warningLines(result.stderr), [], 'no warnings');
  const key = `${webhookEntryName('audit')}/images`;
  const event = await eventually(
    () =>
      auditEvents(
        kube.auditLogPath,
        (event) =>
          event.stage === 'ResponseComplete' &&
          event.verb === 'create' &&
          event.objectRef?.namespace === namespace &&
          event.objectRef.resource === 'pods' &&
          event.annotations?.[key] !== undefined,
      )[0],
    { timeoutMs: 30_000, intervalMs: 250, description: `an audit event with ${key}` },
  );
  const summary = JSON.parse(event.annotations?.[key] ?? '{}');
  t.match(summary, {
    count: 1,
    findings: [{ field: 'spec.containers[0].image', image, outcome: 'absent', detail: /not found/ }],
  });
  t.comment(event.annotations?.[key] ?? '');
});

t.test('namespaces without the mode label are never sent to pullguard', async (t) => {
  const bare = await kube.createNamespace('bare');
  const selectorOnly = await serve.createNamespace('no-mode', null);
  const image = problems[0]?.image ?? '';
  for (const namespace of [bare, selectorOnly]) {
    const result = await apply(kube, manifestFor('Pod', { name: 'unchecked', namespace, image }));
    t.equal(result.code, 0, `${namespace}: admitted`, { stderr: result.stderr });
    t.same(warningLines(result.stderr), [], 'without warnings');
  }
  // A request that is sent, after the others: once pullguard has logged it, it would have logged those too.
  const control = await serve.createNamespace('control', 'enforce');
  const denied = await apply(kube, manifestFor('Pod', { name: 'checked', namespace: control, image }));
  t.not(denied.code, 0, 'the control request in an enforce namespace is denied');
  await loggedReviews((line) => line.namespace === control);
  const leaked = serve.reviews().filter((line) => line.namespace === bare || line.namespace === selectorOnly);
  t.same(leaked, [], 'no review from either namespace');
});
