/** The KubeletConfiguration of a test node, with the settings these VMs need (cgroup v1, no CAP_SYS_RESOURCE). Pure. */

export interface KubeletConfigOptions {
  /** The kubelet's HTTPS port and its plain-HTTP healthz port, both on 127.0.0.1. */
  port: number;
  healthzPort: number;
  clientCaFile: string;
  /** `unix:///…/containerd.sock` */
  runtimeEndpoint: string;
  /** The node's own cgroup parent, so that several nodes on one host never clean up each other's Pods. */
  cgroupRoot: string;
  podLogsDir: string;
  volumePluginDir: string;
  clusterDns?: string | undefined;
}

export function renderKubeletConfig(options: KubeletConfigOptions): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: options.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: options.healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: options.clientCaFile },
    },
    authorization: { mode: 'AlwaysAllow' },
    containerRuntimeEndpoint: options.runtimeEndpoint,
    imageServiceEndpoint: options.runtimeEndpoint,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: options.cgroupRoot,
    cgroupsPerQOS: true,
    failSwapOn: false,
    failCgroupV1: false,
    // Without clusterDNS the kubelet spends each Pod's Event budget on MissingClusterDNS warnings.
    clusterDNS: [options.clusterDns ?? '10.96.0.10'],
    clusterDomain: 'cluster.local',
    podLogsDir: options.podLogsDir,
    volumePluginDir: options.volumePluginDir,
    makeIPTablesUtilChains: false,
    hairpinMode: 'none',
    protectKernelDefaults: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
    // A busy shared disk must not make the node evict test Pods or collect their images mid-test.
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    mergeDefaultEvictionSettings: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // Each node's Pods are few; parallel pulls keep one slow pull from delaying another test's Pod.
    serializeImagePulls: false,
    maxPods: 50,
  };
}
