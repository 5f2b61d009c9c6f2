/**
 * The error catalogue. Every error pullguard raises on purpose is a PullguardError with a stable `code`;
 * subclasses say which layer raised it. Messages never carry credentials: callers redact before building them.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'REFERENCE_INVALID'
  | 'PULL_SECRET_INVALID'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_BLOCKED'
  | 'AUTH_FAILED'
  | 'ADMISSION_DECODE'
  | 'CERTIFICATE_ERROR'
  | 'KUBE_ERROR'
  | 'USAGE';

export interface PullguardErrorOptions {
  cause?: unknown;
  httpStatus?: number;
}

export class PullguardError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number | undefined;

  constructor(code: ErrorCode, message: string, options: PullguardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = options.httpStatus;
  }
}

/** A bad configuration: fatal at start-up, the message names the key. */
export class ConfigError extends PullguardError {
  constructor(message: string, options: PullguardErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** Command-line misuse (exit code 2). */
export class UsageError extends PullguardError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** An AdmissionReview that cannot be decoded; answered with HTTP 400. */
export class AdmissionDecodeError extends PullguardError {
  constructor(message: string, options: PullguardErrorOptions = {}) {
    super('ADMISSION_DECODE', message, { httpStatus: 400, ...options });
  }
}
