/**
 * How many times each container's image pull has failed, from two evidence streams that describe the same pulls:
 * - the kubelet's Events: one `Failed` "Failed to pull image …" and one `Failed` "Error: ErrImagePull" per failed
 *   pull, aggregated into one Event per message with a growing `count` (or `series.count`). The kubelet's spam filter
 *   stops all Events of a Pod after a burst of 25, so Events alone undercount;
 * - transitions into `ErrImagePull` seen on the Pod's status (remembered here across reconciles, by Pod UID). Status
 *   lags one sync behind and a watcher may miss a flip, so status alone undercounts too.
 * The count is the larger of the two, never their sum. `BackOff` Events ("Back-off pulling image") are syncs during
 * the back-off, not pulls: they show a failure and its time, never add attempts.
 * Pure: the caller passes the time of each observation.
 */
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import {
  ERR_IMAGE_PULL,
  eventContainerName,
  eventFirstSeenMs,
  eventLastSeenMs,
  eventOccurrences,
  IMAGE_PULL_BACK_OFF,
  listContainers,
  waitingReasonOf,
} from './pod-view.ts';

export type PullFailureClass = 'not-found' | 'auth-or-rate-limit' | 'generic';

export interface ContainerAttempts {
  readonly container: string;
  /** max(eventAttempts, statusAttempts). */
  readonly attempts: number;
  readonly eventAttempts: number;
  readonly statusAttempts: number;
  /** The first failure either stream saw (ms since the epoch). */
  readonly firstFailureAt: number | undefined;
  /** The kubelet's latest pull error for this container, as it wrote it. */
  readonly lastError: string | undefined;
  /** The class of `lastError` (generic when there is none). */
  readonly failureClass: PullFailureClass;
}

const notFoundPattern = /not found|notfound|manifest unknown|name unknown|does not exist/i;
const authOrRateLimitPattern =
  /\b(?:401|403|429)\b|unauthori[sz]ed|denied|forbidden|toomanyrequests|too many requests|rate limit|timeout|timed out|deadline exceeded/i;
// Docker Hub's "pull access denied, repository does not exist or may require authorization" is an auth refusal
// (it answers 401 for missing repositories): it must not read as not-found.
const mayRequireAuthPattern = /may require authori[sz]ation|insufficient_scope/i;

/** Classifies the kubelet's (runtime's) pull error message. */
export function classifyPullFailure(message: string): PullFailureClass {
  if (mayRequireAuthPattern.test(message)) return 'auth-or-rate-limit';
  if (notFoundPattern.test(message)) return 'not-found';
  if (authOrRateLimitPattern.test(message)) return 'auth-or-rate-limit';
  return 'generic';
}

const failedToPullPrefix = 'Failed to pull image ';
const combinedPrefix = '(combined from similar events): ';

type EventKind = 'pull-failed' | 'error-err-image-pull' | 'back-off';

/** What one kubelet Event says about image pulls, or undefined when it is about something else. */
export function pullEventKind(event: CoreV1Event): EventKind | undefined {
  const message = stripCombined(event.message ?? '');
  if (event.reason === 'Failed') {
    if (message.startsWith(failedToPullPrefix)) return 'pull-failed';
    if (message === `Error: ${ERR_IMAGE_PULL}`) return 'error-err-image-pull';
    if (message === `Error: ${IMAGE_PULL_BACK_OFF}`) return 'back-off';
    return undefined;
  }
  if (event.reason === 'BackOff' && message.startsWith('Back-off pulling image')) return 'back-off';
  return undefined;
}

interface EventEvidence {
  pullFailed: number;
  errImagePull: number;
  firstAt: number | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
}

/** Per container: pulls the Events record, their first time and the latest "Failed to pull image" error. */
export function summarizeEvents(pod: V1Pod, events: readonly CoreV1Event[]): Map<string, EventEvidence> {
  const uid = pod.metadata?.uid;
  const containers = listContainers(pod);
  const byContainer = new Map<string, EventEvidence>();
  for (const event of events) {
    const kind = pullEventKind(event);
    if (kind === undefined) continue;
    // An Event of an earlier Pod with the same name is not evidence about this one.
    const eventUid = event.involvedObject?.uid;
    if (uid && eventUid && eventUid !== uid) continue;
    for (const name of eventContainers(event, containers)) {
      const evidence = byContainer.get(name) ?? {
        pullFailed: 0,
        errImagePull: 0,
        firstAt: undefined,
        lastError: undefined,
        lastErrorAt: undefined,
      };
      byContainer.set(name, evidence);
      if (kind === 'pull-failed') evidence.pullFailed += eventOccurrences(event);
      if (kind === 'error-err-image-pull') evidence.errImagePull += eventOccurrences(event);
      evidence.firstAt = minDefined(evidence.firstAt, eventFirstSeenMs(event));
      if (kind === 'pull-failed') {
        const at = eventLastSeenMs(event) ?? 0;
        if (evidence.lastErrorAt === undefined || at >= evidence.lastErrorAt) {
          evidence.lastError = pullErrorOf(event.message ?? '');
          evidence.lastErrorAt = at;
        }
      }
    }
  }
  return byContainer;
}

/** The container(s) an Event is about: by field path, else by the image its message quotes. */
function eventContainers(event: CoreV1Event, containers: ReturnType<typeof listContainers>): string[] {
  const named = eventContainerName(event);
  if (named !== undefined) return containers.some((view) => view.name === named) ? [named] : [];
  const quoted = /^Failed to pull image "([^"]*)"|^Back-off pulling image "([^"]*)"/.exec(
    stripCombined(event.message ?? ''),
  );
  const image = quoted?.[1] ?? quoted?.[2];
  if (image === undefined) return [];
  return containers.filter((view) => view.image === image).map((view) => view.name);
}

/** `Failed to pull image "x": <error>` → `<error>`. */
function pullErrorOf(message: string): string {
  const text = stripCombined(message);
  const match = /^Failed to pull image "(?:[^"\\]|\\.)*": ?([\s\S]*)$/.exec(text);
  return match?.[1] ?? text;
}

function stripCombined(message: string): string {
  return message.startsWith(combinedPrefix) ? message.slice(combinedPrefix.length) : message;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

interface StatusEvidence {
  lastReason: string | undefined;
  transitions: number;
  firstFailureAt: number | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
}

export interface AttemptTracker {
  /** Records what the Pod's status shows now: each new entry into ErrImagePull is one more attempt. Idempotent. */
  observe(pod: V1Pod, now: number): void;
  /** Both streams combined, per container that shows any pull failure. Call `observe` first. */
  attemptsOf(pod: V1Pod, events: readonly CoreV1Event[]): Map<string, ContainerAttempts>;
  /** Drops what is remembered about a Pod (it left Pending or was deleted). */
  forget(uid: string): void;
  /** Pods with remembered state. */
  size(): number;
}

export function createAttemptTracker(): AttemptTracker {
  const pods = new Map<string, Map<string, StatusEvidence>>();

  return {
    observe(pod, now) {
      const uid = pod.metadata?.uid;
      if (!uid) return;
      let containers = pods.get(uid);
      for (const view of listContainers(pod)) {
        const reason = waitingReasonOf(view);
        const previous = containers?.get(view.name);
        if (!previous && reason !== ERR_IMAGE_PULL && reason !== IMAGE_PULL_BACK_OFF) continue;
        if (!containers) {
          containers = new Map();
          pods.set(uid, containers);
        }
        const state: StatusEvidence = previous ?? {
          lastReason: undefined,
          transitions: 0,
          firstFailureAt: undefined,
          lastError: undefined,
          lastErrorAt: undefined,
        };
        containers.set(view.name, state);
        if (reason === ERR_IMAGE_PULL && state.lastReason !== ERR_IMAGE_PULL) state.transitions += 1;
        // First seen already backing off: at least one pull failed before we looked.
        if (reason === IMAGE_PULL_BACK_OFF && state.transitions === 0) state.transitions = 1;
        if (reason === ERR_IMAGE_PULL || reason === IMAGE_PULL_BACK_OFF) state.firstFailureAt ??= now;
        const message = view.status?.state?.waiting?.message;
        if (reason === ERR_IMAGE_PULL && message && message !== state.lastError) {
          state.lastError = message;
          state.lastErrorAt = now;
        }
        state.lastReason = reason;
      }
    },

    attemptsOf(pod, events) {
      const fromStatus = pods.get(pod.metadata?.uid ?? '') ?? new Map<string, StatusEvidence>();
      const fromEvents = summarizeEvents(pod, events);
      const result = new Map<string, ContainerAttempts>();
      for (const name of new Set([...fromStatus.keys(), ...fromEvents.keys()])) {
        const status = fromStatus.get(name);
        const event = fromEvents.get(name);
        const eventAttempts = Math.max(event?.pullFailed ?? 0, event?.errImagePull ?? 0);
        const statusAttempts = status?.transitions ?? 0;
        const lastError = latestError(status, event);
        result.set(name, {
          container: name,
          attempts: Math.max(eventAttempts, statusAttempts),
          eventAttempts,
          statusAttempts,
          firstFailureAt: minDefined(status?.firstFailureAt, event?.firstAt),
          lastError,
          failureClass: lastError === undefined ? 'generic' : classifyPullFailure(lastError),
        });
      }
      return result;
    },

    forget(uid) {
      pods.delete(uid);
    },

    size: () => pods.size,
  };
}

function latestError(status: StatusEvidence | undefined, event: EventEvidence | undefined): string | undefined {
  if (status?.lastError === undefined) return event?.lastError;
  if (event?.lastError === undefined) return status.lastError;
  return (event.lastErrorAt ?? 0) > (status.lastErrorAt ?? 0) ? event.lastError : status.lastError;
}
