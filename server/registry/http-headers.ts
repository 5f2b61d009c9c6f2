/** Response headers as undici gives them: lowercase names, repeated headers as arrays. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The first value of a header, or undefined. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return typeof value === 'string' ? value : value?.[0];
}

/** Every line of a header (one entry per header line, as received). */
export function headerLines(headers: ResponseHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** A media type without parameters, lowercased: `application/json; charset=utf-8` → `application/json`. */
export function stripMediaTypeParameters(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const bare = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return bare === '' ? undefined : bare;
}
