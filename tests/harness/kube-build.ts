/**
 * Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy into the binary cache.
 * `npx node tests/harness/kube-build.ts` prebuilds them (CI) and prints where they are.
 */
import { readFileSync } from 'node:fs';
import { ensureGoBinaries, type GoBuildRecipe, type GoRunner, writeModuleFile } from './go-build.ts';

export const kubernetesVersion = 'v1.34.4';
export const etcdVersion = 'v3.6.16';

export interface KubeBinaries {
  apiserver: string;
  controllerManager: string;
  etcd: string;
}

/** The binaries tests run against, built on first use (minutes) and cached by version after that. */
export async function ensureKubeBinaries(): Promise<KubeBinaries> {
  const kube = await ensureGoBinaries(kubernetesRecipe);
  const etcd = await ensureGoBinaries(etcdRecipe);
  return {
    apiserver: required(kube, 'kube-apiserver'),
    controllerManager: required(kube, 'kube-controller-manager'),
    etcd: required(etcd, 'etcd'),
  };
}

function required(paths: Record<string, string>, name: string): string {
  const path = paths[name];
  if (!path) throw new Error(`the build recipe did not list ${name}`);
  return path;
}

/** `k8s.io/kubernetes` requires its staging modules at v0.0.0 and replaces them with ./staging: pin each instead. */
export function stagingModules(kubernetesGoMod: string): string[] {
  const modules = new Set<string>();
  for (const match of kubernetesGoMod.matchAll(
    /^\s*(?:replace\s+)?(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\/src\/k8s\.io\//gm,
  )) {
    if (match[1]) modules.add(match[1]);
  }
  return [...modules].sort();
}

/** The staging modules' tags: kubernetes v1.X.Y ships them as v0.X.Y. */
export function stagingVersion(version: string): string {
  return version.replace(/^v1\./, 'v0.');
}

async function downloadGoMod(go: GoRunner, module: string, cwd: string): Promise<string> {
  const info = JSON.parse(await go(['mod', 'download', '-json', module], cwd)) as { GoMod?: string; Error?: string };
  if (!info.GoMod) throw new Error(`go mod download ${module}: ${info.Error ?? 'no go.mod path'}`);
  return readFileSync(info.GoMod, 'utf8');
}

const versionPackage = 'k8s.io/component-base/version';
const [major, minor] = kubernetesVersion.replace(/^v/, '').split('.');

const kubernetesRecipe: GoBuildRecipe = {
  key: `kubernetes-${kubernetesVersion}`,
  async prepare(moduleDir, go) {
    const upstream = await downloadGoMod(go, `k8s.io/kubernetes@${kubernetesVersion}`, moduleDir);
    const pinned = stagingVersion(kubernetesVersion);
    const replaces = stagingModules(upstream).map((module) => `\t${module} => ${module} ${pinned}`);
    if (replaces.length === 0) throw new Error(`found no staging modules in k8s.io/kubernetes ${kubernetesVersion}`);
    writeModuleFile(
      moduleDir,
      'go.mod',
      [
        'module pullguard.dev/kube-build',
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
    `k8s.io/kubernetes/cmd/kube-apiserver@${kubernetesVersion}`,
    `k8s.io/kubernetes/cmd/kube-controller-manager@${kubernetesVersion}`,
  ],
  packages: ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager'],
  binaries: ['kube-apiserver', 'kube-controller-manager'],
  // What the release build stamps (hack/lib/version.sh), so /version reports the real version.
  ldflags: [
    `-X ${versionPackage}.gitVersion=${kubernetesVersion}`,
    `-X ${versionPackage}.gitMajor=${major}`,
    `-X ${versionPackage}.gitMinor=${minor}`,
    `-X ${versionPackage}.gitTreeState=clean`,
  ].join(' '),
};

const etcdRecipe: GoBuildRecipe = {
  key: `etcd-${etcdVersion}`,
  async prepare(moduleDir) {
    writeModuleFile(
      moduleDir,
      'go.mod',
      `module pullguard.dev/etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 ${etcdVersion}\n`,
    );
    writeModuleFile(
      moduleDir,
      'main.go',
      'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n',
    );
  },
  get: [`go.etcd.io/etcd/server/v3/etcdmain@${etcdVersion}`],
  packages: ['.'],
  // `go build -o DIR/ .` names the binary after the module path's last element.
  binaries: ['etcd'],
};

if (import.meta.main) {
  const started = Date.now();
  const binaries = await ensureKubeBinaries();
  console.log(JSON.stringify({ ...binaries, seconds: Math.round((Date.now() - started) / 1000) }, null, 2));
}
