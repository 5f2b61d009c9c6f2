/**
 * The Go build recipe for commands of k8s.io/kubernetes (`cmd/kube-apiserver`, `cmd/kubelet` …) at one version.
 * k8s.io/kubernetes is not meant to be required by another module: its go.mod requires the staging modules at
 * v0.0.0 and replaces them with ./staging, so the recipe's go.mod pins each of them to its published tag instead.
 */
import { readFileSync } from 'node:fs';
import type { GoBuildRecipe, GoRunner } from './go-build.ts';
import { writeModuleFile } from './go-build.ts';

export const kubernetesVersion = 'v1.34.4';

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

export interface KubernetesRecipeOptions {
  /** Cache key; the binaries land in `cacheDir('bin', key)`. */
  key: string;
  /** The throw-away module's path (`pullguard.dev/kube-build`). */
  module: string;
  /** Command names under k8s.io/kubernetes/cmd/, which are also the binaries' names. */
  commands: readonly string[];
}

const versionPackage = 'k8s.io/component-base/version';
const [major, minor] = kubernetesVersion.replace(/^v/, '').split('.');

export function kubernetesRecipe(options: KubernetesRecipeOptions): GoBuildRecipe {
  const packages = options.commands.map((command) => `k8s.io/kubernetes/cmd/${command}`);
  return {
    key: options.key,
    async prepare(moduleDir, go) {
      const upstream = await downloadGoMod(go, `k8s.io/kubernetes@${kubernetesVersion}`, moduleDir);
      const pinned = stagingVersion(kubernetesVersion);
      const replaces = stagingModules(upstream).map((module) => `\t${module} => ${module} ${pinned}`);
      if (replaces.length === 0) throw new Error(`found no staging modules in k8s.io/kubernetes ${kubernetesVersion}`);
      writeModuleFile(
        moduleDir,
        'go.mod',
        [
          `module ${options.module}`,
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
    get: packages.map((name) => `${name}@${kubernetesVersion}`),
    packages,
    binaries: [...options.commands],
    // What the release build stamps (hack/lib/version.sh): /version reports the real version, the kubelet reports it
    // in the Node's status and the apiserver checks the skew.
    ldflags: [
      `-X ${versionPackage}.gitVersion=${kubernetesVersion}`,
      `-X ${versionPackage}.gitMajor=${major}`,
      `-X ${versionPackage}.gitMinor=${minor}`,
      `-X ${versionPackage}.gitTreeState=clean`,
    ].join(' '),
  };
}

async function downloadGoMod(go: GoRunner, module: string, cwd: string): Promise<string> {
  const info = JSON.parse(await go(['mod', 'download', '-json', module], cwd)) as { GoMod?: string; Error?: string };
  if (!info.GoMod) throw new Error(`go mod download ${module}: ${info.Error ?? 'no go.mod path'}`);
  return readFileSync(info.GoMod, 'utf8');
}
