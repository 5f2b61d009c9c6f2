/**
 * The webhook's certificates end to end, against a real kube-apiserver that must trust them:
 * - the first `pullguard serve` creates the certificate Secret and puts its CA in every webhook's caBundle;
 * - a second instance against the same cluster reuses that CA (the Secret unchanged), and the apiserver, with the
 *   caBundle untouched, accepts the second instance's serving certificate once the webhooks point at it;
 * - certificates from files (`pullguard certs`, then `serve --tls-cert/--tls-key`) with the caBundle set by hand.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { eventually } from '../../harness/eventually.ts';
import { type TestKube, uniqueName, useKube } from '../../harness/kube.ts';
import { repoRoot, tempDir } from '../../harness/paths.ts';
import { caBundlesOf, renderServeConfig } from '../../harness/pullguard-serve.ts';
import { useRegistry } from '../../harness/registry.ts';
import {
  applyOrThrow,
  createSelectedNamespace,
  podManifest,
  renderWebhookConfiguration,
  type ServeProcess,
  startServeProcess,
  useWebhookServe,
  WEBHOOK_MODES,
  waitUntilEffective,
} from '../../harness/webhook.ts';
import { loggedReviews } from './helpers.ts';

const kube = await useKube(t);
const registry = await useRegistry(t);
const probeImage = `${registry.host}/e2e/probe-absent:v1`;
const first = await useWebhookServe(t, kube, { insecureRegistries: [registry.host], probeImage });

interface SecretObject {
  type?: string;
  metadata: { resourceVersion: string; labels?: Record<string, string> };
  data: Record<string, string>;
}

/** The Secret as the apiserver has it. Its data stays in memory: only compared, never printed. */
async function readSecret(kube: TestKube, namespace: string, name: string): Promise<SecretObject | undefined> {
  const result = await kube.kubectl(['get', 'secret', name, '-n', namespace, '-o', 'json']);
  if (result.code !== 0) return undefined;
  return JSON.parse(result.stdout) as SecretObject;
}

function decoded(secret: SecretObject | undefined, key: string): string {
  return Buffer.from(secret?.data[key] ?? '', 'base64').toString('utf8');
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** The first `serving certificate from the Secret` line's action (created / reused / …). */
function secretAction(serve: ServeProcess): string | undefined {
  for (const line of readFileSync(serve.logFile, 'utf8').split('\n')) {
    if (!line.includes('serving certificate from the Secret')) continue;
    return (JSON.parse(line) as { action?: string }).action;
  }
  return undefined;
}

t.test('the first start created the Secret and put its CA in every caBundle', async (t) => {
  const secret = await readSecret(kube, first.tlsNamespace, first.secretName);
  t.ok(secret, 'the Secret exists');
  t.same(Object.keys(secret?.data ?? {}).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'], 'with CA and certificate');
  t.equal(secret?.metadata.labels?.['app.kubernetes.io/managed-by'], 'pullguard', 'labelled as pullguard’s');
  t.equal(secretAction(first), 'created', 'serve says it created it');
  const caPem = decoded(secret, 'ca.crt');
  t.equal(caPem, first.caPem, 'the CA serve wrote with --ca-out is the Secret’s');

  const bundles = await caBundlesOf(kube, first.webhookName);
  t.equal(bundles.length, WEBHOOK_MODES.length, 'one webhook per mode');
  t.ok(
    bundles.every((bundle) => bundle === base64(caPem)),
    'every caBundle holds the CA',
  );

  const serving = new X509Certificate(decoded(secret, 'tls.crt'));
  t.ok(serving.checkIssued(new X509Certificate(caPem)), 'the serving certificate is signed by the CA');
  t.match(serving.subjectAltName ?? '', 'IP Address:127.0.0.1', 'names 127.0.0.1 (tls.extraIPs)');
  t.match(serving.subjectAltName ?? '', `DNS:pullguard.${first.tlsNamespace}.svc`, 'and the Service');
});

t.test('a second instance reuses the CA, and the apiserver trusts it with the same caBundle', async (t) => {
  const before = await readSecret(kube, first.tlsNamespace, first.secretName);
  const bundlesBefore = await caBundlesOf(kube, first.webhookName);
  const second = await startServeProcess({ kube, config: first.config });
  t.teardown(() => second.stop());

  t.equal(second.caPem, first.caPem, 'the second instance serves under the same CA');
  t.equal(secretAction(second), 'reused', 'serve says it reused the Secret');
  const after = await readSecret(kube, first.tlsNamespace, first.secretName);
  t.equal(decoded(after, 'ca.crt'), decoded(before, 'ca.crt'), 'the Secret’s ca.crt is unchanged');
  t.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion, 'the Secret was not written at all');
  t.same(await caBundlesOf(kube, first.webhookName), bundlesBefore, 'the caBundles are unchanged');

  // Point the webhooks at the second instance, caBundle untouched: the apiserver must accept its certificate.
  const patch = WEBHOOK_MODES.map((mode, index) => ({
    op: 'replace',
    path: `/webhooks/${index}/clientConfig/url`,
    value: `${second.url}/validate/${mode}`,
  }));
  const patched = await kube.kubectl([
    'patch',
    'validatingwebhookconfiguration',
    first.webhookName,
    '--type=json',
    '-p',
    JSON.stringify(patch),
  ]);
  t.equal(patched.code, 0, 'webhooks now call the second instance', { stderr: patched.stderr });
  const namespace = await first.createNamespace('second', 'enforce');
  const probe = JSON.stringify(podManifest({ name: 'probe', namespace, image: probeImage }));
  await eventually(
    async () => {
      const result = await kube.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], { input: probe });
      if (!result.stderr.includes('denied the request')) return undefined;
      return second.reviews().some((line) => line.namespace === namespace) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, description: `a review by the second instance (log: ${second.logFile})` },
  );

  await first.stop();
  const denied = await kube.kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], { input: probe });
  t.not(denied.code, 0, 'with the first instance gone, the second still answers');
  t.match(denied.stderr, /denied the request: spec\.containers\[0\]\.image .* not found/);
  t.same(await caBundlesOf(kube, first.webhookName), bundlesBefore, 'and the caBundles are still unchanged');
});

t.test('certificates from files: pullguard certs, then serve --tls-cert/--tls-key', async (t) => {
  const dir = tempDir('certs');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, [
    join(repoRoot, 'bin', 'pullguard.js'),
    'certs',
    '--out',
    dir,
    '--ip',
    '127.0.0.1',
  ]);
  const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const tlsNamespace = await kube.createNamespace('pullguard-files');
  const webhookName = uniqueName('pullguard-files');
  const deleteConfiguration = () =>
    kube.kubectl(['delete', 'validatingwebhookconfiguration', webhookName, '--ignore-not-found']);
  t.teardown(deleteConfiguration);
  const serve = await startServeProcess({
    kube,
    config: renderServeConfig({
      tlsNamespace,
      secretName: 'pullguard-tls',
      webhookName,
      insecureRegistries: [registry.host],
    }),
    args: ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')],
    caPem,
    beforeStart: (port) =>
      applyOrThrow(
        kube,
        renderWebhookConfiguration({
          name: webhookName,
          baseUrl: `https://127.0.0.1:${port}`,
          caBundle: base64(caPem),
        }),
      ),
  });
  t.teardown(async () => {
    await deleteConfiguration();
    await serve.stop();
  });

  const namespace = await createSelectedNamespace(kube, webhookName, 'files', 'enforce');
  await waitUntilEffective(kube, namespace, probeImage, serve);
  const [review] = await loggedReviews(serve, (line) => line.namespace === namespace);
  t.match(review, { decision: 'denied' }, 'the apiserver called the server with the file certificate');
  t.notOk(await readSecret(kube, tlsNamespace, 'pullguard-tls'), 'no Secret was made');
  t.same(
    await caBundlesOf(kube, webhookName),
    WEBHOOK_MODES.map(() => base64(caPem)),
    'the caBundle set by hand is kept',
  );
});
