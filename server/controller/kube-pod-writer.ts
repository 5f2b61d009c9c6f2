/**
 * The controller's PodWriter over kube/pod-status.ts (strategic merge patches guarded by resourceVersion, Events)
 * plus the one call that module does not make: deleting a Pod, preconditioned on its UID.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { kubeStatusOf, toKubeError } from '../kube/kube-error.ts';
import { createPodWriterFor, type PodWriteResult } from '../kube/pod-status.ts';
import { IMAGE_PULL_FAILED_CONDITION } from './pod-view.ts';
import type { PodWriter, WriteResult } from './pod-writer.ts';

export interface KubePodWriterOptions {
  /** Events' source.component and reportingComponent. */
  readonly component?: string | undefined;
  /** Events' reportingInstance (this replica). */
  readonly instance?: string | undefined;
}

export function createKubePodWriter(core: CoreV1Api, options: KubePodWriterOptions = {}): PodWriter {
  const pods = createPodWriterFor(core, { component: options.component, instance: options.instance });
  return {
    async failStatus(target, condition) {
      const status = {
        phase: 'Failed',
        conditions: [
          {
            type: IMAGE_PULL_FAILED_CONDITION,
            status: 'True',
            reason: condition.reason,
            message: condition.message,
            ...(condition.transitionAt ? { lastTransitionTime: rfc3339(condition.transitionAt) } : {}),
          },
        ],
      };
      return toWriteResult(await pods.patchPodStatus(target.namespace, target.name, status, target.resourceVersion));
    },

    async lowerActiveDeadline(target, seconds) {
      const spec = { activeDeadlineSeconds: seconds };
      return toWriteResult(await pods.patchPodSpec(target.namespace, target.name, spec, target.resourceVersion));
    },

    async recordWarning(target, reason, message) {
      await pods.createEvent({
        pod: { namespace: target.namespace, name: target.name, uid: target.uid },
        type: 'Warning',
        reason,
        message,
        action: 'FailPod',
      });
    },

    async deletePod(target) {
      try {
        await core.deleteNamespacedPod({
          namespace: target.namespace,
          name: target.name,
          body: { preconditions: { uid: target.uid } },
        });
        return { outcome: 'written', resourceVersion: undefined };
      } catch (error) {
        const status = kubeStatusOf(error);
        if (status === 404) return { outcome: 'gone' };
        // 409: the UID precondition failed, a new Pod of the same name is not ours to delete.
        if (status === 409) return { outcome: 'conflict' };
        throw toKubeError(error, `deleting Pod ${target.namespace}/${target.name}`);
      }
    },
  };
}

function toWriteResult(result: PodWriteResult): WriteResult {
  if (result.outcome === 'patched') return { outcome: 'written', resourceVersion: result.resourceVersion };
  return { outcome: result.outcome === 'conflict' ? 'conflict' : 'gone' };
}

/** metav1.Time is RFC 3339 to the second. */
function rfc3339(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}
