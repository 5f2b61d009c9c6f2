/**
 * `npm run demo`: shows pullguard on this machine with nothing but loopback. It starts a real registry (Debian's
 * docker-registry, installed if missing), pushes images into it through the registry API, and runs pullguard
 * against it exactly as a user would, printing each command and its output.
 */
import { spawnSync } from 'node:child_process';
import { pushImage, pushIndex } from '../tests/harness/push.ts';
import { startRegistry } from '../tests/harness/registry.ts';
import { runClusterDemo } from './cluster-demo.ts';
import { runNodeDemo } from './node-demo.ts';
import { showDecision, startLocalWebhook } from './webhook-demo.ts';

const bold = (text: string): string => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[0m` : text);

function say(text: string): void {
  console.log(`\n${bold(text)}`);
}

/** Runs the real CLI as a separate process and shows the command line the way a user would type it. */
function pullguard(args: string[]): number {
  console.log(`$ pullguard ${args.join(' ')}`);
  const result = spawnSync(process.execPath, ['bin/pullguard.js', ...args], { stdio: 'inherit' });
  console.log(`(exit ${result.status})`);
  return result.status ?? 1;
}

say('Starting a local registry (docker-registry on loopback) ...');
const registry = await startRegistry({ auth: 'none' });
try {
  const host = registry.host;
  await pushImage(registry, { repository: 'acme/api', tag: 'v1.2' });
  await pushIndex(registry, {
    repository: 'acme/worker',
    tag: '2.0',
    platforms: [
      { os: 'linux', architecture: 'arm64' },
      { os: 'linux', architecture: 's390x' },
    ],
  });
  console.log(
    `registry at ${host}: pushed acme/api:v1.2 and acme/worker:2.0 (an index for linux/arm64 and linux/s390x)`,
  );

  say('1. What the kubelet would pull for a few references');
  pullguard(['ref', 'nginx', 'bitnami/redis:7', `${host}/acme/api:v1.2`]);

  say('2. An image that exists, a tag that does not, and a typo in the repository');
  console.log('(the registry speaks plain HTTP, which pullguard only uses when told so)');
  pullguard([
    'check',
    '--insecure-registry',
    host,
    `${host}/acme/api:v1.2`,
    `${host}/acme/api:v1.3`,
    `${host}/acme/apj:v1.2`,
  ]);

  say('3. A multi-platform index that has no entry for the cluster (linux/amd64), and an invalid reference');
  pullguard(['check', '--insecure-registry', host, `${host}/acme/worker:2.0`, 'acme/API:latest']);

  say('4. Addresses pullguard never contacts (cloud metadata), whatever the image says');
  pullguard(['check', '169.254.169.254/latest/meta-data:1']);

  say('5. The admission webhook: pullguard serve --no-kube answers AdmissionReviews over HTTPS');
  const webhook = await startLocalWebhook(host);
  try {
    console.log(`serving on ${webhook.url} (log: ${webhook.logFile})`);
    await showDecision(webhook, 'enforce', [`${host}/acme/api:v1.2`]);
    await showDecision(webhook, 'enforce', [`${host}/acme/api:v1.2`, `${host}/acme/api:v1.3`]);
    await showDecision(webhook, 'warn', [`${host}/acme/api:v1.3`]);
  } finally {
    await webhook.stop();
  }

  if (process.argv.includes('--cluster')) {
    await runClusterDemo(registry, say);
    await runNodeDemo(say);
  } else
    console.log('\n(npm run demo -- --cluster also starts a real kube-apiserver and shows kubectl apply rejected)');
} finally {
  await registry.stop();
}
say('Done: the registry was stopped and its storage removed.');
