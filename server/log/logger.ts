import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Redaction is configuration, not discipline: a credential
 * that reaches a log call is still not written. Wildcards cover one level of nesting below the named objects.
 */
export const redactPaths: readonly string[] = [
  'password',
  'auth',
  'token',
  'access_token',
  'refresh_token',
  'identitytoken',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.password',
  '*.auth',
  '*.token',
  '*.authorization',
  '*.headers.authorization',
  'credential.password',
  'credentials[*].password',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  '["dockerconfigjson"]',
  '*[".dockerconfigjson"]',
  '*[".dockercfg"]',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout when omitted. Tests pass a sink and parse the JSON lines. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name ?? 'pullguard',
      level: options.level,
      redact: { paths: [...redactPaths], censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
