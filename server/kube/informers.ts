/**
 * The informers pullguard runs, each cluster-wide and as narrow as the apiserver's selectors allow (checked against
 * kube-apiserver 1.34: Secrets select on `type`, Pods on `status.phase`, core Events on `involvedObject.kind` and
 * `reason`; field selectors take one value per field, so a choice of values is several informers merged).
 */
import {
  CoreV1Api,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesObject,
  type V1Namespace,
  type V1Pod,
  type V1Secret,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import type { PullguardError } from '../errors.ts';
import type { Delay } from './informer-supervisor.ts';
import type { Backoff, ResilientInformer } from './informer-types.ts';
import { DEFAULT_PAGE_SIZE, type PageFetcher } from './list-pages.ts';
import { mergeInformers } from './merge-informers.ts';
import { rawListPages } from './raw-list.ts';
import { createResilientInformer } from './resilient-informer.ts';
import { slimEvent, slimPod } from './slim-objects.ts';

/** What every factory passes on to its informers. */
export interface InformerSettings {
  readonly backoff?: Backoff | undefined;
  readonly delay?: Delay | undefined;
  readonly onError?: ((error: PullguardError) => void) | undefined;
}

/** The Secret types the kubelet reads pull credentials from (REGISTRY.md §4.1); other Secrets are never used. */
export const PULL_SECRET_TYPES = ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'] as const;

/** The namespace opt-in label (admission/keys.ts MODE_LABEL); the informer keeps namespaces that carry it at all. */
export const DEFAULT_NAMESPACE_LABEL_SELECTOR = 'pullguard.dev/mode';

/** Reasons of the kubelet's image pull Events (pkg/kubelet/events): pull failed, pull back-off, inspect, Never. */
export const DEFAULT_POD_EVENT_REASONS = ['Failed', 'BackOff', 'InspectFailed', 'ErrImageNeverPull'] as const;

/** Docker-config Secrets of every namespace: one informer per type, merged. */
export function secretsInformer(kubeConfig: KubeConfig, settings: InformerSettings = {}): ResilientInformer<V1Secret> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const parts = PULL_SECRET_TYPES.map((type) => {
    const fieldSelector = `type=${type}`;
    return informer<V1Secret>(kubeConfig, settings, {
      name: `secrets(${type})`,
      path: '/api/v1/secrets',
      fieldSelector,
      list: (page) => core.listSecretForAllNamespaces({ fieldSelector, ...pageOf(page) }),
    });
  });
  return mergeInformers('secrets', parts);
}

export function serviceAccountsInformer(
  kubeConfig: KubeConfig,
  settings: InformerSettings = {},
): ResilientInformer<V1ServiceAccount> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return informer<V1ServiceAccount>(kubeConfig, settings, {
    name: 'serviceaccounts',
    path: '/api/v1/serviceaccounts',
    list: (page) => core.listServiceAccountForAllNamespaces(pageOf(page)),
  });
}

/** Namespaces that opted in; one losing the label is a delete (the watch stops matching it). */
export function namespacesInformer(
  kubeConfig: KubeConfig,
  settings: InformerSettings & { readonly labelSelector?: string | undefined } = {},
): ResilientInformer<V1Namespace> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector = settings.labelSelector ?? DEFAULT_NAMESPACE_LABEL_SELECTOR;
  return informer<V1Namespace>(kubeConfig, settings, {
    name: 'namespaces',
    path: '/api/v1/namespaces',
    labelSelector,
    list: (page) => core.listNamespace({ labelSelector, ...pageOf(page) }),
  });
}

/**
 * Pods in phase Pending: memory follows the pending Pods, not all Pods. A Pod leaving Pending is a delete. Cached
 * slim (slim-objects.ts): only the controller reads them; `keepAnnotations` names the annotations it needs.
 */
export function pendingPodsInformer(
  kubeConfig: KubeConfig,
  settings: InformerSettings & { readonly keepAnnotations?: readonly string[] | undefined } = {},
): ResilientInformer<V1Pod> {
  const fieldSelector = 'status.phase=Pending';
  const slim = { keepAnnotations: settings.keepAnnotations };
  return informer<V1Pod>(kubeConfig, settings, {
    name: 'pending-pods',
    path: '/api/v1/pods',
    fieldSelector,
    list: rawListPages<V1Pod>(kubeConfig, { path: '/api/v1/pods', fieldSelector, pageSize: DEFAULT_PAGE_SIZE }),
    transform: (pod) => slimPod(pod, slim),
  });
}

/** Core v1 Events about Pods with one of `reasons` (default: the kubelet's image pull reasons), one informer each. */
export function podEventsInformer(
  kubeConfig: KubeConfig,
  settings: InformerSettings & { readonly reasons?: readonly string[] | undefined } = {},
): ResilientInformer<CoreV1Event> {
  const parts = (settings.reasons ?? DEFAULT_POD_EVENT_REASONS).map((reason) => {
    const fieldSelector = `involvedObject.kind=Pod,reason=${reason}`;
    return informer<CoreV1Event>(kubeConfig, settings, {
      name: `pod-events(${reason})`,
      path: '/api/v1/events',
      fieldSelector,
      list: rawListPages<CoreV1Event>(kubeConfig, {
        path: '/api/v1/events',
        fieldSelector,
        pageSize: DEFAULT_PAGE_SIZE,
      }),
      transform: slimEvent,
    });
  });
  return mergeInformers('pod-events', parts);
}

interface InformerSpec<T extends KubernetesObject> {
  readonly name: string;
  readonly path: string;
  readonly list: PageFetcher<T>;
  readonly transform?: (object: T) => T;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** The paging parameters of a list call: the page size, and the previous page's continue token after the first. */
function pageOf(continueToken: string | undefined): { limit: number; _continue?: string } {
  return continueToken === undefined
    ? { limit: DEFAULT_PAGE_SIZE }
    : { limit: DEFAULT_PAGE_SIZE, _continue: continueToken };
}

function informer<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  settings: InformerSettings,
  spec: InformerSpec<T>,
): ResilientInformer<T> {
  return createResilientInformer<T>({
    kubeConfig,
    ...spec,
    backoff: settings.backoff,
    delay: settings.delay,
    onError: settings.onError,
  });
}
