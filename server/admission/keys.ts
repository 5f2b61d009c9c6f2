/**
 * Every label, annotation and audit-annotation key pullguard reads or writes, under one project prefix. Other
 * modules (controller, webhook configuration) import them from here.
 */

/** Namespace label that opts a namespace in: `enforce` | `warn` | `audit`. */
export const MODE_LABEL = 'pullguard.dev/mode';

/**
 * Pod annotation written by the mutating webhook for a controller-owned Pod admitted although one of its images
 * certainly cannot be pulled (`ownedPods: fail`); the stuck-pull controller fails such a Pod at once. The value is
 * a short JSON object, see PodVerdict in verdict.ts.
 */
export const VERDICT_ANNOTATION = 'pullguard.dev/verdict';

/** Pod annotation written by the mutating webhook: JSON `{ "<container>": "sha256:…" }` of what was resolved. */
export const RESOLVED_ANNOTATION = 'pullguard.dev/resolved';

/** Namespace annotation overriding the controller's `imagePullAttempts`. */
export const IMAGE_PULL_ATTEMPTS_ANNOTATION = 'pullguard.dev/image-pull-attempts';

/**
 * Audit annotation keys. The API server prefixes each key with the webhook's name (`<webhook>/<key>`) and drops
 * keys that are then not a qualified name, so these must be short plain words: a field path such as
 * `spec.containers[0].image` cannot be a key. Findings therefore go into one JSON summary under `images`.
 */
export const AUDIT_IMAGES_KEY = 'images';
export const AUDIT_VERDICT_KEY = 'verdict';
