/**
 * The Helm chart's own values (how pullguard is deployed), beside the configuration keys that come from
 * server/config/schema.ts. None of these names may be a top-level configuration key: generate-chart-schema.ts
 * refuses a clash.
 */
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const anyObject = { type: 'object' } as const;
const anyList = { type: 'array' } as const;
const labelValue = { type: 'string', maxLength: 63 } as const;

const failurePolicy = {
  enum: ['Ignore', 'Fail'],
  default: 'Ignore',
  description: '`Ignore`: admit when pullguard cannot be reached (fail open); `Fail`: reject (fail closed).',
} as const;

export const chartValuesProperties = {
  global: { type: 'object', description: "Helm's shared values when pullguard is a subchart (unused)." },
  nameOverride: { type: 'string', default: '', description: 'Replaces the chart name in resource names.' },
  fullnameOverride: { type: 'string', default: '', description: 'Replaces the whole resource name prefix.' },
  replicaCount: {
    type: 'integer',
    minimum: 1,
    default: 2,
    description: 'Webhook replicas; all serve admission, one (elected) runs the controller.',
  },
  image: {
    type: 'object',
    additionalProperties: false,
    properties: {
      repository: { type: 'string', minLength: 1, description: 'Image repository.' },
      tag: { type: 'string', default: '', description: "Image tag; empty means the chart's appVersion." },
      digest: {
        type: 'string',
        pattern: '^(sha256:[a-f0-9]{64})?$',
        default: '',
        description: 'Pin the image by digest (wins over the tag).',
      },
      pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' },
    },
  },
  imagePullSecrets: {
    type: 'array',
    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    default: [],
    description: "Secrets the kubelet uses to pull pullguard's own image.",
  },
  serviceAccount: {
    type: 'object',
    additionalProperties: false,
    properties: {
      create: { type: 'boolean', default: true },
      name: { type: 'string', default: '', description: 'Empty: the release full name.' },
      annotations: stringMap,
    },
  },
  rbac: {
    type: 'object',
    additionalProperties: false,
    properties: { create: { type: 'boolean', default: true, description: 'ClusterRole, Role and their bindings.' } },
  },
  podAnnotations: stringMap,
  podLabels: { type: 'object', additionalProperties: labelValue },
  podSecurityContext: { ...anyObject, description: 'Pod securityContext (non-root, RuntimeDefault seccomp).' },
  securityContext: { ...anyObject, description: 'Container securityContext (read-only root, no capabilities).' },
  resources: {
    type: 'object',
    additionalProperties: false,
    properties: { requests: stringMap, limits: stringMap },
  },
  nodeSelector: stringMap,
  tolerations: anyList,
  affinity: { ...anyObject, description: 'Replaces the default pod anti-affinity (spread over nodes) when not empty.' },
  topologySpreadConstraints: anyList,
  priorityClassName: { type: 'string', default: '' },
  podDisruptionBudget: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', default: true, description: 'Rendered only when replicaCount > 1.' },
      minAvailable: { type: ['integer', 'string'], default: 1 },
    },
  },
  service: {
    type: 'object',
    additionalProperties: false,
    properties: {
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 443, description: 'Port the API server calls.' },
      annotations: stringMap,
    },
  },
  admissionWebhooks: {
    type: 'object',
    additionalProperties: false,
    properties: {
      failurePolicy,
      modes: {
        type: 'array',
        items: { enum: ['enforce', 'warn', 'audit'] },
        minItems: 1,
        uniqueItems: true,
        default: ['enforce', 'warn', 'audit'],
        description: 'One webhook per mode, each selecting the namespaces labelled pullguard.dev/mode=<mode>.',
      },
      excludeNamespaces: {
        type: 'array',
        items: { type: 'string' },
        default: ['kube-system', 'kube-public', 'kube-node-lease'],
        description: "Never reviewed, whatever their label; the release's own namespace is always added.",
      },
      url: {
        type: 'string',
        pattern: '^(https://[^/?#]+)?$',
        default: '',
        description:
          'pullguard runs outside the cluster at this https://host:port: the webhooks call it by URL, and no ' +
          'Deployment, Service, PodDisruptionBudget, NetworkPolicy or ServiceMonitor is rendered.',
      },
      caBundle: {
        type: 'string',
        default: '',
        description: 'Base64 PEM CA for the webhooks; empty: pullguard (tls.source=secret) or cert-manager fills it.',
      },
      annotations: stringMap,
      mutating: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean', default: false, description: 'Also install the MutatingWebhookConfiguration.' },
          mutation: {
            enum: ['annotate', 'pin'],
            default: 'annotate',
            description: '`annotate`: record resolved digests on Pods; `pin`: also pin each image to its digest.',
          },
          failurePolicy,
        },
      },
    },
  },
  certManager: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: {
        type: 'boolean',
        default: false,
        description: 'Serving certificate from cert-manager (tls.source becomes files, cainjector fills caBundle).',
      },
      issuerRef: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string', default: '', description: 'Empty: the chart makes a self-signed CA and Issuer.' },
          kind: { enum: ['Issuer', 'ClusterIssuer'], default: 'Issuer' },
          group: { type: 'string', default: 'cert-manager.io' },
        },
      },
      duration: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s))+$', default: '2160h0m0s' },
      renewBefore: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s))+$', default: '360h0m0s' },
    },
  },
  serviceMonitor: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', default: false, description: 'Prometheus Operator ServiceMonitor for /metrics.' },
      interval: { type: 'string', default: '30s' },
      scrapeTimeout: { type: 'string', default: '10s' },
      labels: stringMap,
    },
  },
  networkPolicy: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', default: false },
      metricsFrom: {
        ...anyList,
        default: [],
        description: 'NetworkPolicy peers allowed to the plain-HTTP metrics port (server.metricsPort); empty: any.',
      },
      egress: {
        ...anyList,
        default: [],
        description: 'Egress rules; empty: egress is not restricted (registries can be anywhere).',
      },
    },
  },
  extraEnv: { ...anyList, default: [], description: 'Extra container env entries.' },
  extraVolumes: { ...anyList, default: [], description: 'Extra Pod volumes (registry CAs, credentials, TLS files).' },
  extraVolumeMounts: { ...anyList, default: [], description: 'Mounts of extraVolumes (read-only is wise).' },
} as const;
