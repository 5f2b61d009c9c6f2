/**
 * Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy into the binary cache.
 * `npx node tests/harness/kube-build.ts` prebuilds them (CI) and prints where they are.
 */
import { ensureGoBinaries, type GoBuildRecipe, writeModuleFile } from './go-build.ts';
import { kubernetesRecipe, kubernetesVersion } from './kubernetes-recipe.ts';

export const etcdVersion = 'v3.6.16';

export interface KubeBinaries {
  apiserver: string;
  controllerManager: string;
  etcd: string;
}

/** The binaries tests run against, built on first use (minutes) and cached by version after that. */
export async function ensureKubeBinaries(): Promise<KubeBinaries> {
  const kube = await ensureGoBinaries(kubeRecipe);
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

const kubeRecipe = kubernetesRecipe({
  key: `kubernetes-${kubernetesVersion}`,
  module: 'pullguard.dev/kube-build',
  commands: ['kube-apiserver', 'kube-controller-manager'],
});

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
