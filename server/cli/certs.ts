import { writeCertificateFiles } from '../certs/write-certificate-files.ts';
import { UsageError } from '../errors.ts';
import { type CliIo, ExitCode, printLine } from './io.ts';
import { parseOptions } from './parse-options.ts';

export const certsUsage = `Usage: pullguard certs --out DIR [--service NAME] [--namespace NS] [--dns NAME]... [--ip ADDR]... [--new-ca]

Writes ca.crt, ca.key, tls.crt and tls.key (keys mode 0600) for local development or clusters without
cert-manager. The serving certificate names the Service (NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local)
plus every --dns and --ip (default: localhost and 127.0.0.1). A usable CA already in DIR is kept, so running it
again renews the serving certificate without changing what clients trust.`;

export async function certsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    out: { type: 'string' },
    service: { type: 'string', default: 'pullguard' },
    namespace: { type: 'string', default: 'pullguard' },
    dns: { type: 'string', multiple: true },
    ip: { type: 'string', multiple: true },
    'new-ca': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    printLine(io.stdout, certsUsage);
    return ExitCode.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.out) throw new UsageError('--out DIR is required');
  const written = await writeCertificateFiles(values.out, {
    serviceName: values.service,
    namespace: values.namespace,
    dnsNames: values.dns ?? ['localhost'],
    ipAddresses: values.ip ?? ['127.0.0.1'],
    newCa: values['new-ca'],
  });
  printLine(io.stdout, `${written.reusedCa ? 'kept' : 'wrote'} CA      ${written.paths.caCert}`);
  printLine(io.stdout, `wrote serving certificate ${written.paths.cert} (key ${written.paths.key})`);
  printLine(io.stdout, `valid until ${written.bundle.notAfter.toISOString()}`);
  return ExitCode.ok;
}
