/**
 * Minimal CustomResourceDefinitions for the optional kinds the chart renders (Prometheus Operator's ServiceMonitor,
 * cert-manager's Issuer and Certificate), which the test cluster does not have. Each declares, with the upstream
 * types and enums, only the fields the chart uses: the API server then rejects (strict field validation) a field the
 * chart misspells or misplaces, which a schema-less CRD would let through. They are not the upstream CRDs.
 */
import type { TestKube } from '../../harness/kube.ts';

type Schema = Record<string, unknown>;

const string: Schema = { type: 'string' };
const strings: Schema = { type: 'array', items: string };
const object = (properties: Record<string, Schema>, required?: string[]): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
// prometheus-operator's Duration pattern.
const promDuration: Schema = {
  type: 'string',
  pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
};
const secretKeySelector = object({ name: string, key: string, optional: { type: 'boolean' } }, ['key']);
const issuerRef = object({ name: string, kind: string, group: string }, ['name']);

function crd(group: string, kind: string, plural: string, spec: Schema): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: object({ spec }, ['spec']) },
        },
      ],
    },
  };
}

const serviceMonitor = crd(
  'monitoring.coreos.com',
  'ServiceMonitor',
  'servicemonitors',
  object(
    {
      selector: object({ matchLabels: { type: 'object', additionalProperties: string } }),
      namespaceSelector: object({ any: { type: 'boolean' }, matchNames: strings }),
      endpoints: {
        type: 'array',
        items: object({
          port: string,
          path: string,
          scheme: { type: 'string', enum: ['http', 'https', 'HTTP', 'HTTPS'] },
          interval: promDuration,
          scrapeTimeout: promDuration,
          tlsConfig: object({
            serverName: string,
            insecureSkipVerify: { type: 'boolean' },
            ca: object({ secret: secretKeySelector, configMap: secretKeySelector }),
          }),
        }),
      },
    },
    ['selector'],
  ),
);

const certificate = crd(
  'cert-manager.io',
  'Certificate',
  'certificates',
  object(
    {
      secretName: string,
      commonName: string,
      isCA: { type: 'boolean' },
      duration: string,
      renewBefore: string,
      dnsNames: strings,
      ipAddresses: strings,
      usages: {
        type: 'array',
        items: {
          type: 'string',
          enum: [
            'signing',
            'digital signature',
            'content commitment',
            'key encipherment',
            'server auth',
            'client auth',
          ],
        },
      },
      privateKey: object({
        algorithm: { type: 'string', enum: ['RSA', 'ECDSA', 'Ed25519'] },
        size: { type: 'integer' },
        rotationPolicy: { type: 'string', enum: ['Never', 'Always'] },
      }),
      issuerRef,
    },
    ['issuerRef', 'secretName'],
  ),
);

const issuer = crd(
  'cert-manager.io',
  'Issuer',
  'issuers',
  object({
    selfSigned: object({ crlDistributionPoints: strings }),
    ca: object({ secretName: string }, ['secretName']),
  }),
);

export const optionalKindCrds = [serviceMonitor, certificate, issuer];

/** Creates the CRDs (idempotent; shared clusters may have them already) and waits until they are served. */
export async function ensureOptionalKindCrds(kube: TestKube): Promise<void> {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: optionalKindCrds });
  for (let attempt = 1; ; attempt += 1) {
    const applied = await kube.kubectl(['apply', '-f', '-'], { input: list });
    if (applied.code === 0) break;
    // Two test processes applying at once: the loser of a create race applies again.
    if (attempt >= 3 || !/AlreadyExists|conflict/i.test(applied.stderr)) {
      throw new Error(`creating CRDs failed: ${applied.stderr}`);
    }
  }
  const names = optionalKindCrds.map((definition) => `crd/${(definition.metadata as { name: string }).name}`);
  const waited = await kube.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names]);
  if (waited.code !== 0) throw new Error(`CRDs not established: ${waited.stderr}`);
}
