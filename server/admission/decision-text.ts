/**
 * Wording of denial lines and warnings. A denial line names the field path, the image and the registry's answer:
 * `spec.template.spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN`.
 * A warning says the same in at most 120 characters (kubectl cuts longer ones), shortening the image in the middle.
 */
import { quoteImage, sanitizeDetail, truncateEnd } from './message-text.ts';

export const WARNING_MAX_LENGTH = 120;
/** The image keeps at least this many characters (quotes included) when a warning must be shortened. */
const WARNING_IMAGE_MIN_LENGTH = 24;
const LINE_IMAGE_MAX_LENGTH = 256;

export interface FieldText {
  readonly fieldPath: string;
  /** The image as written; '' when the field holds none. */
  readonly image: string;
}

/** `<fieldPath> "<image>" <phrase>: <detail>` (the image part left out when there is none). */
export function formatLine(field: FieldText, phrase: string, detail: string): string {
  const image = field.image === '' ? '' : ` ${quoteImage(field.image, LINE_IMAGE_MAX_LENGTH)}`;
  const reason = detail === '' ? '' : `: ${sanitizeDetail(detail)}`;
  return `${sanitizeDetail(field.fieldPath, 200)}${image} ${phrase}${reason}`;
}

/** The same facts within WARNING_MAX_LENGTH characters: the image shrinks first, then the end is cut. */
export function formatWarning(field: FieldText, phrase: string, detail: string): string {
  const head = sanitizeDetail(field.fieldPath, 80);
  const tail = `${phrase}${detail === '' ? '' : `: ${sanitizeDetail(detail, WARNING_MAX_LENGTH)}`}`;
  if (field.image === '') return truncateEnd(`${head} ${tail}`, WARNING_MAX_LENGTH);
  const room = WARNING_MAX_LENGTH - head.length - tail.length - 2;
  const image = quoteImage(field.image, Math.max(room, WARNING_IMAGE_MIN_LENGTH));
  return truncateEnd(`${head} ${image} ${tail}`, WARNING_MAX_LENGTH);
}

/** A free-standing note as a warning. */
export function formatNote(text: string): string {
  return truncateEnd(sanitizeDetail(text, WARNING_MAX_LENGTH * 2), WARNING_MAX_LENGTH);
}
