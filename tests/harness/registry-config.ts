/** The docker-registry (distribution 2.8) configuration and htpasswd file for a test registry. Pure. */
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';

export type RegistryAuthConfig =
  | { kind: 'none' }
  | { kind: 'htpasswd'; realm: string; path: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface RegistryConfigOptions {
  port: number;
  storageDir: string;
  auth: RegistryAuthConfig;
  /** Certificate and key files for HTTPS. */
  tls?: { certificate: string; key: string } | undefined;
  /** Signs upload state; any random string. */
  httpSecret: string;
}

export function renderRegistryConfig(options: RegistryConfigOptions): string {
  const auth = options.auth;
  const config: Record<string, unknown> = {
    version: 0.1,
    // JSON lines from the app logger on stderr; the access log (combined format, every request) goes to stdout.
    log: { level: 'info', formatter: 'json', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: options.storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `127.0.0.1:${options.port}`,
      secret: options.httpSecret,
      ...(options.tls ? { tls: { certificate: options.tls.certificate, key: options.tls.key } } : {}),
    },
  };
  if (auth.kind === 'htpasswd') config.auth = { htpasswd: { realm: auth.realm, path: auth.path } };
  if (auth.kind === 'token') {
    config.auth = {
      token: { realm: auth.realm, service: auth.service, issuer: auth.issuer, rootcertbundle: auth.rootCertBundle },
    };
  }
  return stringify(config);
}

/**
 * htpasswd lines with bcrypt hashes. Go's bcrypt (which distribution uses) accepts any `$2?$` minor version, so
 * bcryptjs's `$2b$` works; cost 4 (the minimum) because the registry checks the hash on every request.
 */
export function renderHtpasswd(users: readonly { username: string; password: string }[]): string {
  return users.map((user) => `${user.username}:${bcrypt.hashSync(user.password, 4)}\n`).join('');
}
