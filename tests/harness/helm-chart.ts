/** Rendering and installing charts/pullguard with the harness's helm, values given as an object. */
import { parseAllDocuments } from 'yaml';
import { chartPath, type HelmResult, runHelm } from './helm.ts';

/** One rendered Kubernetes object, loosely typed: tests look into whatever they check. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface ChartRelease {
  release: string;
  namespace: string;
  /** Values layered over the chart's values.yaml (sent as `-f -`). */
  values?: Record<string, unknown> | undefined;
}

/** `helm template`: the raw result, for tests that expect a failure. */
export function templateChart(release: ChartRelease, extraArgs: string[] = []): Promise<HelmResult> {
  return runHelm(['template', release.release, chartPath, '--namespace', release.namespace, '-f', '-', ...extraArgs], {
    input: JSON.stringify(release.values ?? {}),
  });
}

/** `helm template`, parsed; throws with helm's message when rendering fails. */
export async function renderChart(release: ChartRelease, extraArgs: string[] = []): Promise<RenderedObject[]> {
  const result = await templateChart(release, extraArgs);
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  return parseRendered(result.stdout);
}

export function parseRendered(text: string): RenderedObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
      return document.toJS() as RenderedObject | null;
    })
    .filter((object): object is RenderedObject => object !== null);
}

/** The object of `kind` (and `name`, when given); throws when there is none. */
export function findObject(objects: readonly RenderedObject[], kind: string, name?: string): RenderedObject {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (!found) {
    const have = objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ');
    throw new Error(`no ${kind}${name ? ` ${name}` : ''} among the rendered objects (${have})`);
  }
  return found;
}

/** `helm install` (waiting for nothing: the harness cluster runs no workloads) into an existing namespace. */
export function installChart(
  release: ChartRelease,
  kubeconfigPath: string,
  extraArgs: string[] = [],
): Promise<HelmResult> {
  return runHelm(
    [
      'install',
      release.release,
      chartPath,
      '--namespace',
      release.namespace,
      '--kubeconfig',
      kubeconfigPath,
      '-f',
      '-',
      ...extraArgs,
    ],
    { input: JSON.stringify(release.values ?? {}) },
  );
}

export function uninstallChart(release: ChartRelease, kubeconfigPath: string): Promise<HelmResult> {
  return runHelm(['uninstall', release.release, '--namespace', release.namespace, '--kubeconfig', kubeconfigPath]);
}
