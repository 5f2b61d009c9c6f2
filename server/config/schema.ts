/**
 * The configuration file's JSON Schema: the one source for start-up validation, the Helm chart's
 * values.schema.json and the configuration reference in the README. Keys are camelCase and identical in the
 * file, the Helm values and the docs.
 */
const platformPattern = '^[a-z0-9]+/[a-z0-9]+(/[a-z0-9.]+)?$';

const mirror = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', pattern: '^https?://', description: 'Mirror base URL (scheme required).' },
    capabilities: {
      type: 'array',
      items: { enum: ['pull', 'resolve'] },
      default: ['pull', 'resolve'],
      description: 'As in containerd hosts.toml: tags are resolved only on hosts with `resolve`.',
    },
    caFile: { type: 'string', description: 'PEM CA bundle to trust for this mirror.' },
    insecureHttp: { type: 'boolean', default: false, description: 'Plain HTTP (never implied).' },
  },
} as const;

const registryHost = {
  type: 'object',
  additionalProperties: false,
  properties: {
    insecureHttp: { type: 'boolean', default: false, description: 'Talk plain HTTP to this registry.' },
    caFile: { type: 'string', description: 'PEM CA bundle to trust for this registry.' },
    server: { type: 'string', pattern: '^https?://', description: 'Override the upstream URL (hosts.toml `server`).' },
    mirrors: { type: 'array', items: mirror, default: [], description: 'Tried in order before the upstream.' },
    unauthorizedAs: {
      enum: ['unauthorized', 'absent'],
      default: 'unauthorized',
      description: 'Treat a refusal as not found (Docker Hub answers 401 for repositories that do not exist).',
    },
  },
} as const;

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'pullguard configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '0.0.0.0', description: 'Address the webhook server listens on.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8443, description: 'HTTPS port.' },
        metricsPort: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          description: 'Serve /metrics, /healthz and /readyz on a separate plain-HTTP port as well (off when unset).',
        },
      },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        source: {
          enum: ['secret', 'files'],
          default: 'secret',
          description:
            '`secret`: pullguard makes and renews its own CA and certificate; `files`: cert-manager or similar.',
        },
        certFile: { type: 'string', description: 'With source=files: the serving certificate (reloaded on change).' },
        keyFile: { type: 'string', description: 'With source=files: the private key (reloaded on change).' },
        secretName: { type: 'string', default: 'pullguard-tls', description: 'With source=secret: the Secret.' },
        serviceName: { type: 'string', default: 'pullguard', description: 'Service whose DNS names go in the SANs.' },
        namespace: { type: 'string', default: 'pullguard', description: "pullguard's own namespace." },
        extraHostnames: { type: 'array', items: { type: 'string' }, default: [], description: 'Extra DNS SANs.' },
        extraIPs: { type: 'array', items: { type: 'string' }, default: [], description: 'Extra IP SANs.' },
        webhookConfigurations: {
          type: 'array',
          items: { type: 'string' },
          default: ['pullguard'],
          description: 'Validating and mutating webhook configurations whose caBundle pullguard keeps current.',
        },
      },
    },
    webhook: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        timeoutSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: 30,
          default: 10,
          description: "The webhook configurations' timeoutSeconds.",
        },
        budgetFraction: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 0.7,
          default: 0.7,
          description: 'Share of timeoutSeconds that registry work for one review may use.',
        },
      },
    },
    admission: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        unauthorized: {
          enum: ['warn', 'deny'],
          default: 'warn',
          description: 'Enforce mode: what to do when every credential was refused.',
        },
        unreachable: {
          enum: ['allow', 'deny'],
          default: 'allow',
          description: 'Enforce mode: fail open (allow with a warning) or closed when the registry does not answer.',
        },
        ownedPods: {
          enum: ['fail', 'deny'],
          default: 'fail',
          description: 'Controller-owned Pods with a missing image: admit and let the controller fail them, or deny.',
        },
        ifNotPresentAbsent: {
          enum: ['deny', 'warn'],
          default: 'deny',
          description: 'An absent image with imagePullPolicy IfNotPresent (nodes may still hold a cached copy).',
        },
        exemptImages: {
          type: 'array',
          items: { type: 'string' },
          default: [],
          description: 'Glob patterns (on the image as written or its normalized name) never checked.',
        },
        clusterPlatforms: {
          type: 'array',
          items: { type: 'string', pattern: platformPattern },
          default: ['linux/amd64'],
          description: 'The os/arch[/variant] of the nodes; an index with none of them is platform-missing.',
        },
        maxImagesPerReview: {
          type: 'integer',
          minimum: 1,
          default: 1000,
          description: 'Reviews naming more images are not resolved image by image.',
        },
      },
    },
    registries: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        hosts: {
          type: 'object',
          additionalProperties: registryHost,
          default: {},
          description: 'Per-registry settings, keyed by the host as written in references (`docker.io`, `*` for all).',
        },
        denyCidrs: {
          type: 'array',
          items: { type: 'string' },
          default: [],
          description: 'Addresses never contacted, added to the built-in link-local and metadata ranges.',
        },
        requestTimeoutMs: {
          type: 'integer',
          minimum: 100,
          default: 5000,
          description: 'Deadline of one registry request.',
        },
        maxManifestBytes: {
          type: 'integer',
          minimum: 1024,
          default: 4194304,
          description: 'Largest manifest or index body read.',
        },
      },
    },
    credentials: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dockerConfigFile: {
          type: 'string',
          description: "A docker config.json of pullguard's own, tried after the Pod's pull secrets.",
        },
      },
    },
    cache: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tagTtlSeconds: { type: 'integer', minimum: 0, default: 300, description: 'How long a resolved tag is kept.' },
        digestTtlSeconds: {
          type: 'integer',
          minimum: 0,
          default: 21600,
          description: 'How long a resolved digest is kept.',
        },
        absentTtlSeconds: { type: 'integer', minimum: 0, default: 30, description: 'How long not-found is kept.' },
        maxEntries: { type: 'integer', minimum: 1, default: 10000, description: 'Cache size bound (LRU).' },
        maxConcurrentPerRegistry: {
          type: 'integer',
          minimum: 1,
          default: 16,
          description: 'In-flight requests per registry host.',
        },
      },
    },
    controller: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Run the stuck-pull controller.' },
        imagePullAttempts: {
          type: 'integer',
          minimum: 1,
          default: 3,
          description: 'Failed pulls of one container before its Pod is failed (namespace annotation overrides).',
        },
        maxPullFailureSeconds: {
          type: 'integer',
          minimum: 0,
          default: 900,
          description: 'Grace for auth and rate-limit failures, from the first failure.',
        },
        action: {
          enum: ['fail', 'fail-and-delete', 'report'],
          default: 'fail',
          description: '`report` only emits an Event and a metric.',
        },
        resyncSeconds: { type: 'integer', minimum: 10, default: 300, description: 'Periodic full reconcile.' },
        leaseName: { type: 'string', default: 'pullguard-controller', description: 'Leader-election Lease.' },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: {
          enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
          default: 'info',
          description:
            'Log level. At `info`, one line per review that was denied, warned or errored or had a finding; at `debug`, every review.',
        },
      },
    },
  },
} as const;
