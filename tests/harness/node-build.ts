/**
 * Builds the node's Kubernetes components (kubelet, kube-scheduler) from the Go module proxy into the binary cache,
 * at the control plane's version. `npx node tests/harness/node-build.ts` prebuilds them (CI) and prints where.
 */
import { readFileSync } from 'node:fs';
import { ensureGoBinaries, type GoBuildRecipe, writeModuleFile } from './go-build.ts';
import { kubernetesVersion, stagingModules, stagingVersion } from './kube-build.ts';

export interface NodeBinaries {
  kubelet: string;
  scheduler: string;
}

const versionPackage = 'k8s.io/component-base/version';
const [major, minor] = kubernetesVersion.replace(/^v/, '').split('.');

const nodeRecipe: GoBuildRecipe = {
  key: `kubernetes-node-${kubernetesVersion}`,
  async prepare(moduleDir, go) {
    const info = JSON.parse(
      await go(['mod', 'download', '-json', `k8s.io/kubernetes@${kubernetesVersion}`], moduleDir),
    );
    if (!info.GoMod) throw new Error(`go mod download k8s.io/kubernetes: ${info.Error ?? 'no go.mod path'}`);
    const pinned = stagingVersion(kubernetesVersion);
    const replaces = stagingModules(readFileSync(info.GoMod, 'utf8')).map(
      (module) => `\t${module} => ${module} ${pinned}`,
    );
    if (replaces.length === 0) throw new Error(`found no staging modules in k8s.io/kubernetes ${kubernetesVersion}`);
    writeModuleFile(
      moduleDir,
      'go.mod',
      [
        'module pullguard.dev/kube-node-build',
        '',
        'go 1.24.0',
        '',
        `require k8s.io/kubernetes ${kubernetesVersion}`,
        '',
        'replace (',
        ...replaces,
        ')',
        '',
      ].join('\n'),
    );
  },
  get: [
    `k8s.io/kubernetes/cmd/kubelet@${kubernetesVersion}`,
    `k8s.io/kubernetes/cmd/kube-scheduler@${kubernetesVersion}`,
  ],
  packages: ['k8s.io/kubernetes/cmd/kubelet', 'k8s.io/kubernetes/cmd/kube-scheduler'],
  binaries: ['kubelet', 'kube-scheduler'],
  // What the release build stamps: the kubelet reports it in the Node's status, the apiserver checks the skew.
  ldflags: [
    `-X ${versionPackage}.gitVersion=${kubernetesVersion}`,
    `-X ${versionPackage}.gitMajor=${major}`,
    `-X ${versionPackage}.gitMinor=${minor}`,
    `-X ${versionPackage}.gitTreeState=clean`,
  ].join(' '),
};

/** The kubelet and kube-scheduler, built on first use (minutes) and cached by version after that. */
export async function ensureNodeBinaries(): Promise<NodeBinaries> {
  const paths = await ensureGoBinaries(nodeRecipe);
  const kubelet = paths.kubelet;
  const scheduler = paths['kube-scheduler'];
  if (!kubelet || !scheduler) throw new Error('the node build recipe did not list kubelet and kube-scheduler');
  return { kubelet, scheduler };
}

if (import.meta.main) {
  const started = Date.now();
  const binaries = await ensureNodeBinaries();
  console.log(JSON.stringify({ ...binaries, seconds: Math.round((Date.now() - started) / 1000) }, null, 2));
}
