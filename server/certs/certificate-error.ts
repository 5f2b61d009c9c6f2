import { PullguardError, type PullguardErrorOptions } from '../errors.ts';

/** A certificate that cannot be made, parsed, stored or used. Messages never carry key material. */
export class CertificateError extends PullguardError {
  constructor(message: string, options: PullguardErrorOptions = {}) {
    super('CERTIFICATE_ERROR', message, options);
  }
}
