/** The validated configuration, as the rest of pullguard sees it (see schema.ts for meanings and defaults). */
export interface MirrorConfig {
  readonly url: string;
  readonly capabilities: readonly ('pull' | 'resolve')[];
  readonly caFile?: string;
  readonly insecureHttp: boolean;
}

export interface RegistryHostConfig {
  readonly insecureHttp: boolean;
  readonly caFile?: string;
  readonly server?: string;
  readonly mirrors: readonly MirrorConfig[];
  readonly unauthorizedAs: 'unauthorized' | 'absent';
}

export interface Config {
  readonly server: { readonly host: string; readonly port: number; readonly metricsPort?: number };
  readonly tls: {
    readonly source: 'secret' | 'files';
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly secretName: string;
    readonly serviceName: string;
    readonly namespace: string;
    readonly extraHostnames: readonly string[];
    readonly extraIPs: readonly string[];
    readonly webhookConfigurations: readonly string[];
  };
  readonly webhook: { readonly timeoutSeconds: number; readonly budgetFraction: number };
  readonly admission: {
    readonly unauthorized: 'warn' | 'deny';
    readonly unreachable: 'allow' | 'deny';
    readonly ownedPods: 'fail' | 'deny';
    readonly ifNotPresentAbsent: 'deny' | 'warn';
    readonly exemptImages: readonly string[];
    readonly clusterPlatforms: readonly string[];
    readonly maxImagesPerReview: number;
  };
  readonly registries: {
    readonly hosts: Readonly<Record<string, RegistryHostConfig>>;
    readonly denyCidrs: readonly string[];
    readonly requestTimeoutMs: number;
    readonly maxManifestBytes: number;
  };
  readonly credentials: { readonly dockerConfigFile?: string };
  readonly cache: {
    readonly tagTtlSeconds: number;
    readonly digestTtlSeconds: number;
    readonly absentTtlSeconds: number;
    readonly maxEntries: number;
    readonly maxConcurrentPerRegistry: number;
  };
  readonly controller: {
    readonly enabled: boolean;
    readonly imagePullAttempts: number;
    readonly maxPullFailureSeconds: number;
    readonly action: 'fail' | 'fail-and-delete' | 'report';
    readonly resyncSeconds: number;
    readonly leaseName: string;
  };
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}
