/**
 * Builds the node's Kubernetes components (kubelet, kube-scheduler) from the Go module proxy into the binary cache,
 * at the control plane's version. `npx node tests/harness/node-build.ts` prebuilds them (CI) and prints where.
 */
import { ensureGoBinaries } from './go-build.ts';
import { kubernetesRecipe, kubernetesVersion } from './kubernetes-recipe.ts';

export interface NodeBinaries {
  kubelet: string;
  scheduler: string;
}

const nodeRecipe = kubernetesRecipe({
  key: `kubernetes-node-${kubernetesVersion}`,
  module: 'pullguard.dev/kube-node-build',
  commands: ['kubelet', 'kube-scheduler'],
});

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
