import { PullguardError } from '../errors.ts';

export type InvalidReferenceReason =
  | 'empty'
  | 'format'
  | 'uppercase'
  | 'name-too-long'
  | 'tag-too-long'
  | 'hex-name'
  | 'digest-length'
  | 'digest-format'
  | 'digest-algorithm';

const quotedInputMaxLength = 100;

/**
 * Quotes untrusted text for a message: JSON escaping makes control characters visible, and long text is cut so a
 * hostile image string cannot blow up logs or admission responses.
 */
export function quoteForMessage(text: string, maxLength: number = quotedInputMaxLength): string {
  if (text.length <= maxLength) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, maxLength))}... (${text.length} chars)`;
}

/**
 * An image string the kubelet would refuse with InvalidImageName. `detail` is the Go library's wording
 * ("invalid reference format", "invalid checksum digest length", ...).
 */
export class InvalidReferenceError extends PullguardError {
  readonly reason: InvalidReferenceReason;
  readonly input: string;
  readonly detail: string;

  constructor(reason: InvalidReferenceReason, input: string, detail: string) {
    super('REFERENCE_INVALID', `couldn't parse image name ${quoteForMessage(input)}: ${detail}`);
    this.reason = reason;
    this.input = input;
    this.detail = detail;
  }
}
