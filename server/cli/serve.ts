import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { loadKubeConfig } from '../kube/kube-config.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { type RunningServe, startServe } from '../serve/compose.ts';
import { configPathFrom, loadServeConfig } from '../serve/load-config.ts';
import { type CliIo, ExitCode, printLine } from './io.ts';
import { parseOptions } from './parse-options.ts';

export const serveUsage = `Usage: pullguard serve [options]

Runs the admission webhook (HTTPS, HTTP/2 and HTTP/1.1: POST /validate/{enforce|warn|audit},
POST /mutate/{annotate|pin}, GET /healthz, /readyz, /metrics) and, against a cluster, the
stuck-pull controller. Stops gracefully on SIGTERM or SIGINT.

Options:
      --config FILE       configuration file (YAML); default: $PULLGUARD_CONFIG, else built-in defaults
      --kubeconfig FILE   cluster to run against; default: $KUBECONFIG, else the in-cluster service account
      --no-kube           no cluster: no pull secrets (a Pod's named secrets give no credentials), no controller,
                          a certificate from --tls-cert/--tls-key or generated in memory
      --port N            HTTPS port (overrides server.port; 0 picks a free one)
      --tls-cert FILE     serving certificate (PEM), reloaded on change; with --tls-key
      --tls-key FILE      its private key
      --ca-out FILE       write the CA that signed the serving certificate here (when pullguard made it)`;

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    config: { type: 'string' },
    kubeconfig: { type: 'string' },
    'no-kube': { type: 'boolean' },
    port: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'ca-out': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    printLine(io.stdout, serveUsage);
    return ExitCode.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values['no-kube'] && values.kubeconfig !== undefined) throw new UsageError('--no-kube and --kubeconfig conflict');

  const configPath = configPathFrom(values.config, io.env);
  const overrides = { port: parsePort(values.port), tlsCertFile: values['tls-cert'], tlsKeyFile: values['tls-key'] };
  const config = loadServeConfig(configPath, overrides);
  const kube = values['no-kube'] ? undefined : loadKubeConfig({ path: values.kubeconfig, env: io.env });
  const logger = createLogger({ level: config.log.level });
  if (kube !== undefined) logger.info({ server: kube.server, origin: kube.origin }, 'cluster configuration loaded');

  const running = await startServe({ config, logger, kubeConfig: kube?.kubeConfig, configPath, overrides });
  const caFile = writeCa(running, values['ca-out'], kube === undefined);
  if (caFile !== undefined) printLine(io.stderr, `pullguard serve: CA certificate for clients: ${caFile}`);
  printLine(io.stderr, `pullguard serve: listening on https://${displayHost(config.server.host)}:${running.port}`);

  const clean = await waitForShutdown(running, logger, (config.webhook.timeoutSeconds + 10) * 1000);
  return clean ? ExitCode.ok : ExitCode.rejected;
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port > 65535) throw new UsageError(`--port takes 0-65535, not ${JSON.stringify(text)}`);
  return port;
}

/** Where the CA went: --ca-out, or (no cluster, nowhere asked) a fresh temporary folder, so a client can trust it. */
function writeCa(running: RunningServe, caOut: string | undefined, local: boolean): string | undefined {
  const caPem = running.caPem();
  if (caPem === undefined || (caOut === undefined && !local)) return undefined;
  const path = caOut ?? join(mkdtempSync(join(tmpdir(), 'pullguard-ca-')), 'ca.crt');
  writeFileSync(path, caPem, { mode: 0o644 });
  return path;
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/**
 * Resolves once SIGTERM or SIGINT has led to a shutdown (true when it was clean). A second signal, or a shutdown that outlasts the
 * deadline (a review can take at most the webhook's timeout), ends the process at once: by then waiting longer
 * helps no one, and something is holding the event loop.
 */
function waitForShutdown(running: RunningServe, logger: Logger, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      logger.info({ signal }, 'received a stop signal');
      const force = (why: string): void => {
        logger.error({ why }, 'forced exit');
        logger.flush();
        process.exit(1);
      };
      process.once('SIGTERM', () => force('second signal'));
      process.once('SIGINT', () => force('second signal'));
      const timer = setTimeout(() => force(`shutdown took longer than ${deadlineMs} ms`), deadlineMs);
      timer.unref();
      const finish = (clean: boolean): void => {
        clearTimeout(timer);
        logger.flush();
        resolve(clean);
      };
      running.close().then(
        () => finish(true),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          finish(false);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
