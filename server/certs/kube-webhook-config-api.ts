/** WebhookConfigApi over @kubernetes/client-node 2.x AdmissionregistrationV1Api. */
import {
  type AdmissionregistrationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1MutatingWebhookConfiguration,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { kubeStatusOf, toKubeError } from '../kube/kube-error.ts';
import type { WebhookConfigApi } from './ca-bundle-reconcile.ts';

export function createKubeWebhookConfigApi(admission: AdmissionregistrationV1Api): WebhookConfigApi {
  // The generated client would pick the first patch type it lists; say which one we send.
  const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
  return {
    async get(kind, name) {
      try {
        const config: V1ValidatingWebhookConfiguration | V1MutatingWebhookConfiguration =
          kind === 'ValidatingWebhookConfiguration'
            ? await admission.readValidatingWebhookConfiguration({ name })
            : await admission.readMutatingWebhookConfiguration({ name });
        return config;
      } catch (error) {
        if (kubeStatusOf(error) === 404) return undefined;
        throw toKubeError(error, `reading ${kind} ${name}`);
      }
    },

    async patch(kind, name, patch) {
      try {
        if (kind === 'ValidatingWebhookConfiguration') {
          await admission.patchValidatingWebhookConfiguration({ name, body: patch }, jsonPatch);
        } else {
          await admission.patchMutatingWebhookConfiguration({ name, body: patch }, jsonPatch);
        }
        return 'patched';
      } catch (error) {
        // 422: a `test` op failed (the list changed); 409: a conflict; 404: deleted meanwhile.
        const status = kubeStatusOf(error);
        if (status === 422 || status === 409 || status === 404) return 'conflict';
        throw toKubeError(error, `patching ${kind} ${name}`);
      }
    },
  };
}
