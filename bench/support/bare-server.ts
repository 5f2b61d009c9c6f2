/**
 * The baseline of the warm-admission benchmark, run as its own process: a bare Fastify TLS server with the same
 * transport settings as pullguard's (HTTP/2 with HTTP/1.1 fallback, TLS 1.2+, 7 MiB body limit) that parses the
 * AdmissionReview and answers `allowed: true` — everything an admission webhook cannot avoid, and nothing else.
 *
 *   node bench/support/bare-server.ts --port N --cert tls.crt --key tls.key
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fastify } from 'fastify';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});
if (values.port === undefined || values.cert === undefined || values.key === undefined) {
  process.stderr.write('usage: bare-server.ts --port N --cert FILE --key FILE\n');
  process.exit(2);
}

const app = fastify({
  http2: true,
  https: {
    allowHTTP1: true,
    minVersion: 'TLSv1.2',
    cert: readFileSync(values.cert),
    key: readFileSync(values.key),
  },
  logger: false,
  bodyLimit: 7 * 1024 * 1024,
});

interface ReviewBody {
  readonly apiVersion?: unknown;
  readonly request?: { readonly uid?: unknown };
}

app.get('/healthz', async () => 'ok\n');
app.post('/validate/enforce', async (request) => {
  const body = request.body as ReviewBody | null;
  const uid = typeof body?.request?.uid === 'string' ? body.request.uid : '';
  const apiVersion = typeof body?.apiVersion === 'string' ? body.apiVersion : 'admission.k8s.io/v1';
  return { apiVersion, kind: 'AdmissionReview', response: { uid, allowed: true } };
});

await app.listen({ port: Number(values.port), host: values.host });
process.stdout.write(`listening on ${values.host}:${values.port}\n`);

// A normal exit on SIGTERM, so `--cpu-prof` can write its profile.
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
