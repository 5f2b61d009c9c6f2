/**
 * charts/pullguard with the helm built from the Go module proxy: it lints, renders for the default values and for
 * each option, and every rendered object is accepted by the real kube-apiserver (`kubectl apply --dry-run=server`,
 * strict field validation). The optional kinds get minimal CRDs first (crds.ts).
 */
import t, { type Test } from 'tap';
import { defaultConfig, parseConfigText } from '../../../server/config/index.ts';
import { chartPath, runHelm } from '../../harness/helm.ts';
import { findObject, type RenderedObject, renderChart, templateChart } from '../../harness/helm-chart.ts';
import { type TestKube, uniqueName, useKube } from '../../harness/kube.ts';
import { ensureOptionalKindCrds } from './crds.ts';

type Json = Record<string, unknown>;
type Check = (t: Test, objects: RenderedObject[], context: { namespace: string; fullname: string }) => void;

interface Scenario {
  name: string;
  values: Json;
  check: Check;
}

// A namespace of this test's own; no object is created in it (dry runs only), but namespaced dry runs need it.
let kube: TestKube;
let namespace: string;

t.before(async () => {
  kube = await useKube(t);
  namespace = await kube.createNamespace('chart');
  await ensureOptionalKindCrds(kube);
});

const kindsOf = (objects: RenderedObject[]) => objects.map((object) => object.kind).sort();

const webhooksOf = (object: RenderedObject) => object.webhooks as Json[];

function configOf(objects: RenderedObject[]) {
  const configMap = findObject(objects, 'ConfigMap');
  return parseConfigText(String((configMap.data as Json)['config.yaml']), 'rendered ConfigMap');
}

function podSpecOf(objects: RenderedObject[]): Json {
  const deployment = findObject(objects, 'Deployment');
  return ((deployment.spec as Json).template as Json).spec as Json;
}

function rulesOf(objects: RenderedObject[], kind: 'ClusterRole' | 'Role'): Json[] {
  return (findObject(objects, kind).rules as Json[]).map((rule) => ({ ...rule }));
}

const validatingRules = [
  {
    operations: ['CREATE', 'UPDATE'],
    apiGroups: [''],
    apiVersions: ['v1'],
    resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers', 'podtemplates'],
    scope: 'Namespaced',
  },
  {
    operations: ['CREATE', 'UPDATE'],
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
    scope: 'Namespaced',
  },
  {
    operations: ['CREATE', 'UPDATE'],
    apiGroups: ['batch'],
    apiVersions: ['v1'],
    resources: ['jobs', 'cronjobs'],
    scope: 'Namespaced',
  },
];

function clusterRules(options: { controller: boolean; delete?: boolean; webhookNames?: string[] }): Json[] {
  const rules: Json[] = [
    { apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['list', 'watch'] },
  ];
  if (options.controller) {
    rules.push(
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
      {
        apiGroups: [''],
        resources: ['pods'],
        verbs: ['list', 'watch', 'patch', ...(options.delete ? ['delete'] : [])],
      },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create'] },
    );
  }
  if (options.webhookNames) {
    rules.push({
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
      resourceNames: options.webhookNames,
      verbs: ['get', 'patch'],
    });
  }
  return rules;
}

function roleRules(options: { secretName?: string; leaseName?: string }): Json[] {
  const rules: Json[] = [];
  if (options.secretName) {
    rules.push(
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [options.secretName], verbs: ['get', 'update'] },
    );
  }
  if (options.leaseName) {
    rules.push(
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: [options.leaseName],
        verbs: ['get', 'update'],
      },
    );
  }
  return rules;
}

const scenarios: Scenario[] = [
  {
    name: 'default values',
    values: {},
    check(t, objects, { namespace, fullname }) {
      t.same(kindsOf(objects), [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
        'ValidatingWebhookConfiguration',
      ]);
      const config = configOf(objects);
      const defaults = defaultConfig();
      t.same(
        config,
        {
          ...defaults,
          tls: {
            ...defaults.tls,
            secretName: `${fullname}-tls`,
            serviceName: fullname,
            namespace,
            webhookConfigurations: [fullname],
          },
        },
        "the config file is pullguard's defaults with the release's names",
      );

      const deployment = findObject(objects, 'Deployment');
      t.equal((deployment.spec as Json).replicas, 2);
      const pod = podSpecOf(objects);
      t.equal(pod.serviceAccountName, fullname);
      t.match(pod.securityContext, {
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      t.match(pod.affinity, {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
          ],
        },
      });
      const [container] = pod.containers as Json[];
      t.same(container?.args, ['serve', '--config', '/etc/pullguard/config/config.yaml']);
      t.match(container?.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      t.match(container?.livenessProbe, { httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' } });
      t.match(container?.readinessProbe, { httpGet: { path: '/readyz', port: 'https', scheme: 'HTTPS' } });
      t.match(container?.resources, { requests: { cpu: String, memory: String }, limits: { memory: String } });
      t.match(container?.ports, [{ name: 'https', containerPort: 8443 }]);
      t.match(findObject(objects, 'PodDisruptionBudget').spec, { minAvailable: 1 });
      t.match(findObject(objects, 'Service').spec, { ports: [{ name: 'https', port: 443, targetPort: 'https' }] });

      const webhooks = webhooksOf(findObject(objects, 'ValidatingWebhookConfiguration', fullname));
      t.same(
        webhooks.map((webhook) => webhook.name),
        ['enforce.pullguard.dev', 'warn.pullguard.dev', 'audit.pullguard.dev'],
      );
      for (const webhook of webhooks) {
        const mode = String(webhook.name).split('.')[0];
        t.same(webhook.clientConfig, {
          service: { name: fullname, namespace, path: `/validate/${mode}`, port: 443 },
        });
        t.same(webhook.namespaceSelector, {
          matchExpressions: [
            { key: 'pullguard.dev/mode', operator: 'In', values: [mode] },
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'NotIn',
              values: ['kube-system', 'kube-public', 'kube-node-lease', namespace],
            },
          ],
        });
        t.match(webhook, {
          failurePolicy: 'Ignore',
          timeoutSeconds: 10,
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        });
        t.same(webhook.rules, validatingRules);
      }
      t.same(rulesOf(objects, 'ClusterRole'), clusterRules({ controller: true, webhookNames: [fullname] }));
      t.same(rulesOf(objects, 'Role'), roleRules({ secretName: `${fullname}-tls`, leaseName: 'pullguard-controller' }));
    },
  },
  {
    name: 'mutating webhook on (pin)',
    values: { admissionWebhooks: { mutating: { enabled: true, mutation: 'pin' } } },
    check(t, objects, { fullname }) {
      const webhooks = webhooksOf(findObject(objects, 'MutatingWebhookConfiguration', fullname));
      t.same(
        webhooks.map((webhook) => [webhook.name, (webhook.clientConfig as Json).service]),
        ['enforce', 'warn', 'audit'].map((mode) => [
          `pin-${mode}.pullguard.dev`,
          { name: fullname, namespace, path: `/mutate/pin/${mode}`, port: 443 },
        ]),
      );
      for (const webhook of webhooks) {
        t.match(webhook, { reinvocationPolicy: 'Never', sideEffects: 'None', failurePolicy: 'Ignore' });
        t.same(webhook.rules, [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
        ]);
      }
    },
  },
  {
    name: 'url mode: the server runs outside the cluster',
    values: {
      admissionWebhooks: {
        url: 'https://127.0.0.1:9443',
        caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'),
        mutating: { enabled: true },
      },
      tls: { extraIPs: ['127.0.0.1'] },
    },
    check(t, objects, { fullname }) {
      t.same(kindsOf(objects), [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'MutatingWebhookConfiguration',
        'Role',
        'RoleBinding',
        'ServiceAccount',
        'ValidatingWebhookConfiguration',
      ]);
      const [enforce] = webhooksOf(findObject(objects, 'ValidatingWebhookConfiguration', fullname));
      t.same(enforce?.clientConfig, {
        url: 'https://127.0.0.1:9443/validate/enforce',
        caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'),
      });
      const [mutating] = webhooksOf(findObject(objects, 'MutatingWebhookConfiguration', fullname));
      t.match(mutating?.clientConfig, { url: 'https://127.0.0.1:9443/mutate/annotate/enforce' });
      t.same(configOf(objects).tls.extraIPs, ['127.0.0.1']);
    },
  },
  {
    name: 'cert-manager instead of self-managed certificates',
    values: { certManager: { enabled: true }, tls: { extraHostnames: ['pullguard.example'] } },
    check(t, objects, { namespace, fullname }) {
      const config = configOf(objects);
      t.match(config.tls, {
        source: 'files',
        certFile: '/etc/pullguard/tls/tls.crt',
        keyFile: '/etc/pullguard/tls/tls.key',
        webhookConfigurations: [],
      });
      const serving = findObject(objects, 'Certificate', `${fullname}-serving`);
      t.match(serving.spec, {
        secretName: `${fullname}-tls`,
        dnsNames: [fullname, `${fullname}.${namespace}`, `${fullname}.${namespace}.svc`],
        issuerRef: { name: `${fullname}-ca`, kind: 'Issuer' },
      });
      t.ok((serving.spec as { dnsNames: string[] }).dnsNames.includes('pullguard.example'));
      t.match(findObject(objects, 'Certificate', `${fullname}-ca`).spec, { isCA: true });
      t.equal(objects.filter((object) => object.kind === 'Issuer').length, 2);
      t.equal(
        findObject(objects, 'ValidatingWebhookConfiguration').metadata.annotations?.['cert-manager.io/inject-ca-from'],
        `${namespace}/${fullname}-serving`,
      );
      const pod = podSpecOf(objects);
      t.match(pod.volumes, [{}, {}, { name: 'tls', secret: { secretName: `${fullname}-tls` } }]);
      t.same(rulesOf(objects, 'ClusterRole'), clusterRules({ controller: true }), 'no webhook configuration rule');
      t.same(rulesOf(objects, 'Role'), roleRules({ leaseName: 'pullguard-controller' }), 'no Secret rule');
    },
  },
  {
    name: 'cert-manager with an existing ClusterIssuer',
    values: { certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } },
    check(t, objects) {
      t.equal(objects.filter((object) => object.kind === 'Issuer').length, 0);
      t.match(findObject(objects, 'Certificate').spec, { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } });
    },
  },
  {
    name: 'certificate files of your own (tls.source=files)',
    values: {
      tls: { source: 'files', certFile: '/etc/pullguard/own-tls/tls.crt', keyFile: '/etc/pullguard/own-tls/tls.key' },
      admissionWebhooks: { caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') },
      extraVolumes: [{ name: 'own-tls', secret: { secretName: 'pullguard-own-tls' } }],
      extraVolumeMounts: [{ name: 'own-tls', mountPath: '/etc/pullguard/own-tls', readOnly: true }],
    },
    check(t, objects) {
      t.match(configOf(objects).tls, { source: 'files', webhookConfigurations: [] });
      t.same(rulesOf(objects, 'ClusterRole'), clusterRules({ controller: true }), 'no webhook configuration rule');
      t.same(rulesOf(objects, 'Role'), roleRules({ leaseName: 'pullguard-controller' }), 'no Secret rule');
      t.match(podSpecOf(objects).volumes, [{}, {}, { name: 'own-tls' }]);
    },
  },
  {
    name: 'ServiceMonitor over HTTPS',
    values: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
    check(t, objects, { namespace, fullname }) {
      const monitor = findObject(objects, 'ServiceMonitor');
      t.equal(monitor.metadata.labels?.release, 'prometheus');
      t.match(monitor.spec, {
        endpoints: [
          {
            port: 'https',
            scheme: 'https',
            path: '/metrics',
            tlsConfig: { serverName: `${fullname}.${namespace}.svc`, ca: { secret: { name: `${fullname}-tls` } } },
          },
        ],
      });
    },
  },
  {
    name: 'ServiceMonitor and NetworkPolicy with a plain-HTTP metrics port',
    values: {
      server: { metricsPort: 9090 },
      serviceMonitor: { enabled: true },
      networkPolicy: {
        enabled: true,
        metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        egress: [
          {
            ports: [
              { port: 443, protocol: 'TCP' },
              { port: 53, protocol: 'UDP' },
            ],
          },
        ],
      },
    },
    check(t, objects) {
      t.match(findObject(objects, 'ServiceMonitor').spec, { endpoints: [{ port: 'metrics', scheme: 'http' }] });
      t.match(findObject(objects, 'Service').spec, { ports: [{ name: 'https' }, { name: 'metrics', port: 9090 }] });
      const policy = findObject(objects, 'NetworkPolicy').spec as Json;
      t.same(policy.policyTypes, ['Ingress', 'Egress']);
      t.match(policy.ingress, [
        { ports: [{ port: 'https' }] },
        { ports: [{ port: 'metrics' }], from: [{ namespaceSelector: {} }] },
      ]);
      t.equal(configOf(objects).server.metricsPort, 9090);
    },
  },
  {
    name: 'NetworkPolicy alone restricts ingress only',
    values: { networkPolicy: { enabled: true } },
    check(t, objects) {
      const policy = findObject(objects, 'NetworkPolicy').spec as Json;
      t.same(policy.policyTypes, ['Ingress']);
      t.same(policy.ingress, [{ ports: [{ port: 'https', protocol: 'TCP' }] }]);
    },
  },
  {
    name: 'fail closed',
    values: {
      admissionWebhooks: { failurePolicy: 'Fail', mutating: { enabled: true, failurePolicy: 'Fail' } },
      admission: { unreachable: 'deny', unauthorized: 'deny' },
      webhook: { timeoutSeconds: 5 },
    },
    check(t, objects) {
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        for (const webhook of webhooksOf(findObject(objects, kind))) {
          t.match(webhook, { failurePolicy: 'Fail', timeoutSeconds: 5 }, `${kind} ${webhook.name}`);
        }
      }
      t.match(configOf(objects), {
        admission: { unreachable: 'deny', unauthorized: 'deny' },
        webhook: { timeoutSeconds: 5 },
      });
    },
  },
  {
    name: 'controller: fail-and-delete, five attempts',
    values: { controller: { action: 'fail-and-delete', imagePullAttempts: 5, leaseName: 'pg-leader' } },
    check(t, objects, { fullname }) {
      t.same(
        rulesOf(objects, 'ClusterRole'),
        clusterRules({ controller: true, delete: true, webhookNames: [fullname] }),
      );
      t.same(rulesOf(objects, 'Role'), roleRules({ secretName: `${fullname}-tls`, leaseName: 'pg-leader' }));
      t.match(configOf(objects).controller, { action: 'fail-and-delete', imagePullAttempts: 5 });
    },
  },
  {
    name: 'controller off, one replica, one mode',
    values: { controller: { enabled: false }, replicaCount: 1, admissionWebhooks: { modes: ['enforce'] } },
    check(t, objects, { fullname }) {
      t.same(rulesOf(objects, 'ClusterRole'), clusterRules({ controller: false, webhookNames: [fullname] }));
      t.same(rulesOf(objects, 'Role'), roleRules({ secretName: `${fullname}-tls` }));
      t.notOk(
        objects.some((object) => object.kind === 'PodDisruptionBudget'),
        'no PodDisruptionBudget for one replica',
      );
      t.equal(webhooksOf(findObject(objects, 'ValidatingWebhookConfiguration')).length, 1);
    },
  },
  {
    name: 'registry settings and exemptions reach the config file',
    values: {
      registries: {
        hosts: { 'registry.internal:5000': { insecureHttp: true, mirrors: [{ url: 'https://mirror.internal' }] } },
        denyCidrs: ['10.0.0.0/8'],
      },
      admission: { exemptImages: ['registry.k8s.io/*'], clusterPlatforms: ['linux/amd64', 'linux/arm64'] },
      credentials: { dockerConfigFile: '/etc/pullguard/credentials/config.json' },
      extraVolumes: [{ name: 'credentials', secret: { secretName: 'pullguard-credentials' } }],
      extraVolumeMounts: [{ name: 'credentials', mountPath: '/etc/pullguard/credentials', readOnly: true }],
    },
    check(t, objects) {
      const config = configOf(objects);
      t.match(config.registries.hosts['registry.internal:5000'], { insecureHttp: true });
      t.same(config.admission.exemptImages, ['registry.k8s.io/*']);
      t.equal(config.credentials.dockerConfigFile, '/etc/pullguard/credentials/config.json');
      t.match(podSpecOf(objects).volumes, [{}, {}, { name: 'credentials' }]);
    },
  },
];

t.test('helm lint passes for the default values and url mode', async (t) => {
  const lint = await runHelm(['lint', '--strict', chartPath]);
  t.equal(lint.code, 0, lint.stdout + lint.stderr);
  const url = await runHelm(['lint', '--strict', chartPath, '--set', 'admissionWebhooks.url=https://127.0.0.1:9443']);
  t.equal(url.code, 0, url.stdout + url.stderr);
});

for (const scenario of scenarios) {
  t.test(`${scenario.name}: renders, and the API server accepts every object`, async (t) => {
    const release = uniqueName('pg').slice(0, 30);
    const fullname = `${release}-pullguard`;
    const objects = await renderChart({ release, namespace, values: scenario.values });
    scenario.check(t, objects, { namespace, fullname });
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
    const applied = await kube.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: list });
    t.equal(applied.code, 0, `kubectl apply --dry-run=server: ${applied.stderr}`);
    t.equal(
      applied.stdout.trim().split('\n').length,
      objects.length,
      `every object was dry-run created:\n${applied.stdout}`,
    );
  });
}

const badValues: [string, Json, RegExp][] = [
  ['a configuration value below its minimum', { controller: { imagePullAttempts: 0 } }, /imagePullAttempts.*minimum/s],
  ['a configuration value outside its enum', { admission: { unreachable: 'maybe' } }, /unreachable/],
  ['a misspelt configuration key', { controller: { imagePullAttemps: 3 } }, /imagePullAttemps/],
  ['an unknown top-level key', { replicas: 3 }, /replicas/],
  ['a chart value of the wrong type', { replicaCount: 'two' }, /replicaCount/],
  ['a failurePolicy Kubernetes does not know', { admissionWebhooks: { failurePolicy: 'Sometimes' } }, /failurePolicy/],
  ['a plain-HTTP webhook URL', { admissionWebhooks: { url: 'http://127.0.0.1:9443' } }, /url/],
  ['certificate files that are not named', { tls: { source: 'files' } }, /tls\.certFile and tls\.keyFile/],
  [
    'cert-manager in url mode',
    { certManager: { enabled: true }, admissionWebhooks: { url: 'https://127.0.0.1:9443' } },
    /cannot be combined with admissionWebhooks\.url/,
  ],
];

t.test('bad values are rejected with a message naming the key', async (t) => {
  for (const [name, values, expected] of badValues) {
    const result = await templateChart({ release: 'bad', namespace: 'pullguard', values });
    t.not(result.code, 0, `${name}: helm template fails`);
    t.match(result.stderr, expected, `${name}: ${result.stderr.trim()}`);
  }
});
