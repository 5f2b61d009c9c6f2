import { readFileSync } from 'node:fs';
import { describeKube, sharedKubeEnv, startKube } from './kube.ts';

export interface SharedKube {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** What the test files ask of a shared cluster, read from their source: `useKube(` at all, and the controller manager. */
export function kubeNeeds(sources: string[]): { kube: boolean; controllerManager: boolean } {
  const users = sources.filter((source) => source.includes('useKube('));
  return {
    kube: users.length > 0,
    controllerManager: users.some((source) => /controllerManager:\s*true/.test(source)),
  };
}

/** One cluster for every test file that calls useKube(), described to them in PULLGUARD_TEST_KUBE. */
export async function startSharedKube(files: string[]): Promise<SharedKube | undefined> {
  const needs = kubeNeeds(files.map((file) => readFileSync(file, 'utf8')));
  if (!needs.kube) return undefined;
  const started = Date.now();
  const kube = await startKube({ controllerManager: needs.controllerManager });
  const what = needs.controllerManager ? 'etcd, kube-apiserver, kube-controller-manager' : 'etcd, kube-apiserver';
  console.log(`[harness] shared Kubernetes (${what}) at ${kube.server}, ready in ${Date.now() - started} ms`);
  return { env: { [sharedKubeEnv]: describeKube(kube) }, stop: () => kube.stop() };
}
