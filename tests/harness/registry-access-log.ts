/**
 * Parses docker-registry's access log out of its combined output. distribution 2.8 writes one Apache "combined" line
 * per request to stdout (gorilla's CombinedLoggingHandler), for every status; the JSON lines of its app logger
 * (stderr) only cover some requests ("response completed" for 2xx/3xx, errors from handlers, not auth refusals), so
 * the combined lines are the record of what reached the registry.
 */
export interface RegistryAccess {
  readonly method: string;
  /** The request path without its query string. */
  readonly path: string;
  /** The raw query string without `?` ('' when none). */
  readonly query: string;
  readonly status: number;
  readonly userAgent: string;
}

// 127.0.0.1 - - [23/Nov/2026:08:46:22 +0000] "HEAD /v2/foo/manifests/latest?x=1 HTTP/1.1" 404 96 "" "myagent"
const combinedLine =
  /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" (\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"$/;

function unquote(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

export function parseAccessLine(line: string): RegistryAccess | undefined {
  const match = combinedLine.exec(line.trimEnd());
  if (!match) return undefined;
  const [, method = '', uri = '', status = '0', userAgent = ''] = match;
  const mark = uri.indexOf('?');
  return {
    method,
    path: mark < 0 ? uri : uri.slice(0, mark),
    query: mark < 0 ? '' : uri.slice(mark + 1),
    status: Number(status),
    userAgent: unquote(userAgent),
  };
}

export function parseAccessLog(text: string): RegistryAccess[] {
  return text
    .split('\n')
    .map(parseAccessLine)
    .filter((entry): entry is RegistryAccess => entry !== undefined);
}
