/** The Secret and webhook-configuration APIs the certificate store and caBundle reconcile use, from one KubeConfig. */
import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { WebhookConfigApi } from './ca-bundle-reconcile.ts';
import { createKubeSecretApi, type KubeSecretApiOptions } from './kube-secret-api.ts';
import { createKubeWebhookConfigApi } from './kube-webhook-config-api.ts';
import type { SecretApi } from './secret-api.ts';

export interface CertificateApis {
  readonly secrets: SecretApi;
  readonly webhooks: WebhookConfigApi;
}

export function createCertificateApis(kubeConfig: KubeConfig, options: KubeSecretApiOptions = {}): CertificateApis {
  return {
    secrets: createKubeSecretApi(kubeConfig.makeApiClient(CoreV1Api), options),
    webhooks: createKubeWebhookConfigApi(kubeConfig.makeApiClient(AdmissionregistrationV1Api)),
  };
}
