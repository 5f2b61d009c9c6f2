/**
 * Objects and readers for the admission end-to-end tests: one manifest per pod-bearing kind with the field path
 * pullguard names for its first container, `kubectl apply` of one object, kubectl's warning and denial lines,
 * pullguard's review log, the apiserver's audit log, and the scene of the registry-trouble files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { eventually } from '../../harness/eventually.ts';
import { type KubectlResult, type TestKube, uniqueName } from '../../harness/kube.ts';
import { pushImage } from '../../harness/push.ts';
import { type TestRegistry, useRegistry } from '../../harness/registry.ts';
import {
  createSelectedNamespace,
  type ReviewLogLine,
  useWebhookServe,
  type WebhookServe,
} from '../../harness/webhook.ts';

export type PodBearingKind =
  | 'Pod'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'ReplicationController'
  | 'Job'
  | 'CronJob'
  | 'PodTemplate';

interface KindShape {
  readonly apiVersion: string;
  /** For `kubectl get`. */
  readonly resource: string;
  /** The pod spec's field path. */
  readonly specPath: string;
}

export const KINDS: Readonly<Record<PodBearingKind, KindShape>> = {
  Pod: { apiVersion: 'v1', resource: 'pods', specPath: 'spec' },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments.apps', specPath: 'spec.template.spec' },
  StatefulSet: { apiVersion: 'apps/v1', resource: 'statefulsets.apps', specPath: 'spec.template.spec' },
  DaemonSet: { apiVersion: 'apps/v1', resource: 'daemonsets.apps', specPath: 'spec.template.spec' },
  ReplicaSet: { apiVersion: 'apps/v1', resource: 'replicasets.apps', specPath: 'spec.template.spec' },
  ReplicationController: { apiVersion: 'v1', resource: 'replicationcontrollers', specPath: 'spec.template.spec' },
  Job: { apiVersion: 'batch/v1', resource: 'jobs.batch', specPath: 'spec.template.spec' },
  CronJob: { apiVersion: 'batch/v1', resource: 'cronjobs.batch', specPath: 'spec.jobTemplate.spec.template.spec' },
  PodTemplate: { apiVersion: 'v1', resource: 'podtemplates', specPath: 'template.spec' },
};

export const ALL_KINDS = Object.keys(KINDS) as PodBearingKind[];

/** The field path pullguard names for container `index`'s image. */
export function imageField(kind: PodBearingKind, index = 0): string {
  return `${KINDS[kind].specPath}.containers[${index}].image`;
}

export interface ManifestOptions {
  name: string;
  namespace: string;
  image: string;
  labels?: Record<string, string> | undefined;
  imagePullSecrets?: readonly string[] | undefined;
}

/** A minimal valid object of `kind` whose single container runs `image`. Pure. */
export function manifestFor(kind: PodBearingKind, options: ManifestOptions): Record<string, unknown> {
  const app = { app: options.name };
  const restartPolicy = kind === 'Job' || kind === 'CronJob' ? 'Never' : 'Always';
  const podSpec = {
    restartPolicy,
    containers: [{ name: 'main', image: options.image }],
    ...(options.imagePullSecrets ? { imagePullSecrets: options.imagePullSecrets.map((name) => ({ name })) } : {}),
  };
  const template = { metadata: { labels: app }, spec: podSpec };
  const metadata = { name: options.name, namespace: options.namespace, labels: { ...options.labels } };
  const head = { apiVersion: KINDS[kind].apiVersion, kind, metadata };
  switch (kind) {
    case 'Pod':
      return { ...head, spec: podSpec };
    case 'Deployment':
    case 'DaemonSet':
    case 'ReplicaSet':
      return { ...head, spec: { selector: { matchLabels: app }, template } };
    case 'StatefulSet':
      return { ...head, spec: { serviceName: options.name, selector: { matchLabels: app }, template } };
    case 'ReplicationController':
      return { ...head, spec: { replicas: 1, selector: app, template } };
    case 'Job':
      return { ...head, spec: { template } };
    case 'CronJob':
      return { ...head, spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: { template } } } };
    case 'PodTemplate':
      return { ...head, template };
  }
}

/** `kubectl apply -f -` of one object, with extra flags (`--dry-run=server`). */
export function apply(kube: TestKube, manifest: unknown, flags: string[] = []): Promise<KubectlResult> {
  return kube.kubectl(['apply', ...flags, '-f', '-'], { input: JSON.stringify(manifest) });
}

/** Whether the object exists (kubectl get answers 0). */
export async function exists(kube: TestKube, resource: string, namespace: string, name: string): Promise<boolean> {
  const result = await kube.kubectl(['get', resource, name, '-n', namespace, '-o', 'name']);
  if (result.code === 0) return true;
  if (result.stderr.includes('NotFound')) return false;
  throw new Error(`kubectl get ${resource}/${name} failed: ${result.stderr}`);
}

/** The text of kubectl's `Warning: …` lines on stderr. */
export function warningLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('Warning: '))
    .map((line) => line.slice('Warning: '.length));
}

export interface AuditEvent {
  readonly auditID: string;
  readonly stage: string;
  readonly verb: string;
  readonly objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  readonly responseStatus?: { code?: number };
  readonly annotations?: Record<string, string>;
}

/** The apiserver's audit events (JSON lines) matching `predicate`. */
export function auditEvents(path: string, predicate: (event: AuditEvent) => boolean): AuditEvent[] {
  if (!existsSync(path)) return [];
  const events: AuditEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const event = JSON.parse(line) as AuditEvent;
      if (predicate(event)) events.push(event);
    } catch {
      // the last line may be half written
    }
  }
  return events;
}

export interface TroubleScene {
  readonly kube: TestKube;
  /** No auth: the probe image and the outage image live here. */
  readonly open: TestRegistry;
  /** htpasswd auth. */
  readonly locked: TestRegistry;
  readonly serve: WebhookServe;
  /** On the open registry, pushed but never looked up before the outage subtest. */
  readonly outageImage: string;
  /** On the locked registry. */
  readonly privateImage: string;
  /** An enforce namespace holding the docker-registry Secret `regcred` and the ServiceAccount `puller` naming it. */
  readonly credsNamespace: string;
}

/**
 * The scene of the registry-trouble tests: an open and an htpasswd registry, a namespace whose pull secret and
 * ServiceAccount exist before pullguard starts (so its informers have them when it is ready), and serve with the
 * given `admission` section.
 */
export async function startTroubleScene(
  t: { teardown(fn: () => unknown): void },
  kube: TestKube,
  admission: Record<string, unknown>,
): Promise<TroubleScene> {
  const [open, locked] = await Promise.all([useRegistry(t), useRegistry(t, { auth: 'htpasswd' })]);
  await pushImage(open, { repository: 'e2e/outage', tag: 'v1' });
  await pushImage(locked, { repository: 'private/app', tag: 'v1' });
  const user = locked.users[0];
  if (user === undefined) throw new Error('the htpasswd registry has no user');

  const webhookName = uniqueName('pullguard');
  const credsNamespace = await createSelectedNamespace(kube, webhookName, 'creds', 'enforce');
  // The password goes to kubectl as an argument (as a user would type it); kubectl does not echo it.
  const secret = await kube.kubectl([
    'create',
    'secret',
    'docker-registry',
    'regcred',
    '-n',
    credsNamespace,
    `--docker-server=${locked.host}`,
    `--docker-username=${user.username}`,
    `--docker-password=${user.password}`,
  ]);
  if (secret.code !== 0) throw new Error(`creating the pull secret failed: ${secret.stderr}`);
  const account = await apply(kube, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'puller', namespace: credsNamespace },
    imagePullSecrets: [{ name: 'regcred' }],
  });
  if (account.code !== 0) throw new Error(`creating the ServiceAccount failed: ${account.stderr}`);

  const serve = await useWebhookServe(t, kube, {
    webhookName,
    insecureRegistries: [open.host, locked.host],
    admission,
    probeImage: `${open.host}/e2e/probe-absent:v1`,
  });
  return {
    kube,
    open,
    locked,
    serve,
    outageImage: `${open.host}/e2e/outage:v1`,
    privateImage: `${locked.host}/private/app:v1`,
    credsNamespace,
  };
}

/** pullguard's review log lines matching `predicate`, once there are at least `count` (the log is written async). */
export function loggedReviews(
  serve: Pick<WebhookServe, 'reviews' | 'logFile'>,
  predicate: (line: ReviewLogLine) => boolean,
  count = 1,
): Promise<ReviewLogLine[]> {
  return eventually(
    () => {
      const lines = serve.reviews().filter(predicate);
      return lines.length >= count ? lines : undefined;
    },
    { timeoutMs: 10_000, description: `${count} matching review(s) in ${serve.logFile}` },
  );
}

/** The denial kubectl printed after `admission webhook "<webhook>" denied the request: ` ('' when none). */
export function denialOf(stderr: string, webhook: string): string {
  const prefix = `admission webhook "${webhook}" denied the request: `;
  const at = stderr.indexOf(prefix);
  return at < 0 ? '' : (stderr.slice(at + prefix.length).split('\n')[0] ?? '');
}

/** A warning or denial line split into `<field> "<image>" <rest>`; undefined when it has another shape. */
export function splitLine(line: string): { field: string; image: string; rest: string } | undefined {
  const match = /^(\S+) "((?:[^"\\]|\\.)*)" (.*)$/.exec(line);
  if (!match) return undefined;
  return { field: match[1] ?? '', image: match[2] ?? '', rest: match[3] ?? '' };
}

/** `shown` is `image`, or its start and end around `...` (warnings shorten long images in the middle). */
export function showsImage(shown: string, image: string): boolean {
  const [head, tail, ...more] = shown.split('...');
  if (tail === undefined) return shown === image;
  return more.length === 0 && head !== undefined && head.length > 0 && image.startsWith(head) && image.endsWith(tail);
}

/** The warning names `field` and `image` (perhaps shortened), then says `rest` (a prefix or a pattern). */
export function isWarningAbout(warning: string, field: string, image: string, rest: string | RegExp): boolean {
  const parts = splitLine(warning);
  if (parts === undefined || parts.field !== field || !showsImage(parts.image, image)) return false;
  return typeof rest === 'string' ? parts.rest.startsWith(rest) : rest.test(parts.rest);
}
