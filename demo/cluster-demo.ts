/**
 * `npm run demo -- --cluster`: a real kube-apiserver, pullguard serve registered as
 * its validating webhook, and `kubectl apply` as a user types it. Everything runs on loopback and is stopped after.
 */
import { startKube, type TestKube } from '../tests/harness/kube.ts';
import type { TestRegistry } from '../tests/harness/registry.ts';
import { useWebhookServe } from '../tests/harness/webhook.ts';

function podYaml(name: string, namespace: string, image: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  containers:
    - {name: main, image: "${image}"}
`;
}

function jobYaml(name: string, namespace: string, image: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: main, image: "${image}"}
`;
}

async function kubectlApply(kube: TestKube, yaml: string): Promise<void> {
  console.log(`$ kubectl apply -f - <<EOF\n${yaml.trimEnd()}\nEOF`);
  const result = await kube.kubectl(['apply', '-f', '-'], { input: yaml });
  const output = `${result.stdout}${result.stderr}`.trimEnd();
  console.log(output === '' ? '(no output)' : output);
  console.log(`(exit ${result.code})\n`);
}

export async function runClusterDemo(registry: TestRegistry, say: (text: string) => void): Promise<void> {
  const host = registry.host;
  say(
    '6. A real cluster: kube-apiserver + etcd on loopback (built from the Go module proxy once; minutes the first time)',
  );
  const kube = await startKube();
  const teardowns: (() => unknown)[] = [];
  try {
    console.log(`kube-apiserver at ${kube.server} (KUBECONFIG=${kube.kubeconfigPath})`);
    const webhook = await useWebhookServe({ teardown: (fn) => teardowns.push(fn) }, kube, {
      insecureRegistries: [host],
      probeImage: `${host}/acme/probe-never-pushed:1`,
    });
    console.log(
      `pullguard serve runs at ${webhook.url}, registered as ValidatingWebhookConfiguration ${webhook.webhookName};\n` +
        `it created its CA in Secret ${webhook.tlsNamespace}/${webhook.secretName} and put it in the caBundle itself.`,
    );

    say('7. A namespace labelled pullguard.dev/mode=enforce: missing images are rejected at once');
    const enforce = await webhook.createNamespace('team-a', 'enforce');
    await kubectlApply(kube, podYaml('api', enforce, `${host}/acme/api:v1.3`));
    await kubectlApply(kube, jobYaml('nightly', enforce, `${host}/acme/apj:v1.2`));
    await kubectlApply(kube, podYaml('api', enforce, `${host}/acme/api:v1.2`));

    say('8. A namespace labelled pullguard.dev/mode=warn: admitted, with the same facts as warnings');
    const warn = await webhook.createNamespace('team-b', 'warn');
    await kubectlApply(kube, podYaml('api', warn, `${host}/acme/api:v1.3`));
  } finally {
    for (const teardown of teardowns.reverse()) await teardown();
    await kube.stop();
  }
}
