import { defaultConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { tryParseReference } from '../reference/parse-reference.ts';
import { createResolutionStack, credentialsFor, loadStaticKeyring } from '../wiring/resolution-stack.ts';
import { podKeyringFrom, readPullSecrets } from './credentials.ts';
import { type CliIo, ExitCode, printLine } from './io.ts';
import { loadConfig } from './load-config.ts';
import { outputFormat, parseOptions } from './parse-options.ts';

export const explainUsage = `Usage: pullguard explain [--pull-secret FILE]... [--docker-config FILE] [--config FILE]
                         [--insecure-registry HOST]... [--offline] [-o text|json] [--] IMAGE

For a person debugging a pull: the normalized reference, the credentials the kubelet would try
in order (secret, config key, username; never a password) and, unless --offline, the
registry's verdict. FILE is a Secret as 'kubectl get secret -o yaml|json' prints it.`;

export async function explainCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    'pull-secret': { type: 'string', multiple: true },
    'docker-config': { type: 'string' },
    config: { type: 'string' },
    'insecure-registry': { type: 'string', multiple: true },
    offline: { type: 'boolean', default: false },
    timeout: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    printLine(io.stdout, explainUsage);
    return ExitCode.ok;
  }
  const format = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError('name exactly one IMAGE');
  const image = positionals[0] as string;
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout takes seconds > 0');
  const emit = (json: Record<string, unknown>, lines: string[]): void => {
    if (format === 'json') printLine(io.stdout, JSON.stringify(json));
    else for (const line of lines) printLine(io.stdout, line);
  };

  const parsed = tryParseReference(image);
  if (!parsed.ok) {
    emit({ input: image, error: parsed.error.message }, [
      `image:       ${image}`,
      `error:       ${parsed.error.message}`,
    ]);
    return ExitCode.rejected;
  }
  const reference = parsed.reference;
  const config = values.config === undefined ? defaultConfig() : loadConfig(values.config);
  const pullSecrets = podKeyringFrom(await readPullSecrets(values['pull-secret'] ?? [], io.stdin));
  if (pullSecrets.error) {
    emit({ ref: reference.ref, error: pullSecrets.error.message }, [
      `reference:   ${reference.ref}`,
      `error:       ${pullSecrets.error.message}`,
      '             (the kubelet fails every pull of a Pod whose pull secrets it cannot decode)',
    ]);
    return ExitCode.rejected;
  }
  const staticKeyring = loadStaticKeyring(values['docker-config'] ?? config.credentials.dockerConfigFile);
  const credentials = credentialsFor(reference.name, pullSecrets.keyring, staticKeyring);
  const shown = credentials.map((credential) => ({
    secret: credential.source.secret,
    key: credential.source.key,
    username: credential.username,
  }));
  const lines = [
    `reference:   ${reference.ref}`,
    `registry:    ${reference.domain || '(none: the first path component is contacted as a host)'}`,
    `repository:  ${reference.path}`,
    credentials.length === 0
      ? 'credentials: none match: the kubelet pulls anonymously'
      : `credentials: tried in this order, no anonymous attempt after them:`,
    ...shown.map(
      (c, i) =>
        `  ${i + 1}. secret ${JSON.stringify(c.secret)} key ${JSON.stringify(c.key)} user ${JSON.stringify(c.username)}`,
    ),
  ];
  if (values.offline) {
    emit({ ref: reference.ref, credentials: shown }, lines);
    return ExitCode.ok;
  }
  const stack = createResolutionStack(config, { insecureHosts: values['insecure-registry'] });
  try {
    const resolution = await stack.resolver.resolve({
      image,
      credentials,
      platforms: [],
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    const verdict =
      resolution.outcome === 'present' && resolution.digest
        ? `${resolution.detail} (${resolution.digest})`
        : resolution.detail;
    emit(
      {
        ref: reference.ref,
        credentials: shown,
        outcome: resolution.outcome,
        detail: resolution.detail,
        digest: resolution.digest ?? null,
      },
      [...lines, `outcome:     ${resolution.outcome}`, `detail:      ${verdict}`],
    );
    if (resolution.outcome === 'present') return ExitCode.ok;
    return resolution.outcome === 'unauthorized' || resolution.outcome === 'unreachable'
      ? ExitCode.undecidable
      : ExitCode.rejected;
  } finally {
    await stack.close();
  }
}
