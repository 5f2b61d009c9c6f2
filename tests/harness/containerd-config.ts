/**
 * containerd 1.6's configuration for a test node, every path under one temporary root, plus the registry hosts.toml
 * and the CNI network list. Pure.
 */

export interface ContainerdPaths {
  root: string;
  state: string;
  temp: string;
  socket: string;
  /** `config_path`: one folder per registry host, each with a hosts.toml. */
  certsDir: string;
  /** runc's state (`--root`), instead of /run/containerd/runc. */
  runcRoot: string;
  cniConfDir: string;
  cniBinDir: string;
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  /** The pause image every Pod sandbox starts from. */
  sandboxImage: string;
}

const toml = (value: string): string => JSON.stringify(value);

// Plugins that would write outside the temporary root (/opt/containerd) or that a test node never uses.
const disabledPlugins = [
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

export function renderContainerdConfig(options: ContainerdConfigOptions): string {
  const { paths } = options;
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = ${toml(paths.root)}
state = ${toml(paths.state)}
temp = ${toml(paths.temp)}
oom_score = 0
disabled_plugins = [${disabledPlugins.map(toml).join(', ')}]

[grpc]
  address = ${toml(paths.socket)}

[ttrpc]
  address = ${toml(`${paths.socket}.ttrpc`)}

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[${cri}]
  sandbox_image = ${toml(options.sandboxImage)}
  # Without CAP_SYS_RESOURCE, asking for an oom_score_adj below containerd's own fails every sandbox.
  restrict_oom_score_adj = true
  # Network namespaces under the state folder, not /var/run/netns.
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${toml(paths.runcRoot)}

  [${cri}.cni]
    bin_dir = ${toml(paths.cniBinDir)}
    conf_dir = ${toml(paths.cniConfDir)}
    max_conf_num = 1

  [${cri}.registry]
    config_path = ${toml(paths.certsDir)}
`;
}

/** hosts.toml for a registry reached over plain HTTP (`host` is `127.0.0.1:PORT`). */
export function renderPlainHttpHosts(host: string): string {
  return `server = ${toml(`http://${host}`)}

[host.${toml(`http://${host}`)}]
  capabilities = ["pull", "resolve"]
`;
}

export interface CniNetworkOptions {
  name: string;
  bridge: string;
  subnet: string;
  /** host-local's lease folder (default /var/lib/cni/networks). */
  dataDir: string;
}

/**
 * A bridge network with no gateway, no masquerading and no routes: Pods get an address on a bridge the host itself
 * has no address on, so nothing they could send leaves it. (These tests' Pods need no network at all; the runtime
 * only insists on an interface with an address.)
 */
export function renderCniConflist(options: CniNetworkOptions): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: options.name,
      plugins: [
        {
          type: 'bridge',
          bridge: options.bridge,
          isGateway: false,
          isDefaultGateway: false,
          ipMasq: false,
          hairpinMode: false,
          ipam: {
            type: 'host-local',
            dataDir: options.dataDir,
            ranges: [[{ subnet: options.subnet }]],
            routes: [],
          },
        },
      ],
    },
    null,
    2,
  )}\n`;
}
