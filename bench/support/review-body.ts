/**
 * A Pod CREATE AdmissionReview as kube-apiserver sends it: the Pod after defaulting (status, tolerations,
 * service-account volume, managedFields), so the body has the size and shape of real traffic (~4 KB with 3 containers).
 */

export interface PodReviewOptions {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly images: readonly string[];
}

function container(image: string, index: number): Record<string, unknown> {
  return {
    name: `c${index}`,
    image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ containerPort: 8080 + index, protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    volumeMounts: [
      { name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

export function podObject(options: Omit<PodReviewOptions, 'uid'>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      uid: '3d0b0ab4-1c8e-4a7e-9d55-2f4f7f1a9c11',
      creationTimestamp: '2026-11-23T09:00:00Z',
      labels: { app: 'bench', 'app.kubernetes.io/part-of': 'pullguard-bench' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '' },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-11-23T09:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': {} } },
        },
      ],
    },
    spec: {
      containers: options.images.map(container),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
                },
              },
            ],
          },
        },
      ],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

export function podReview(options: PodReviewOptions): Record<string, unknown> {
  const resource = { group: '', version: 'v1', resource: 'pods' };
  const kind = { group: '', version: 'v1', kind: 'Pod' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name: options.name,
      namespace: options.namespace,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:ci:deployer', groups: ['system:authenticated'] },
      object: podObject(options),
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}
