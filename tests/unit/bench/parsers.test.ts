import t from 'tap';
import { parseProcStat, parseProcStatus } from '../../../bench/support/proc-status.ts';
import { readSample } from '../../../bench/support/prometheus-text.ts';
import { countTokenRequests, isManifestRequest } from '../../../bench/support/registry-figures.ts';
import type { RegistryAccess, TokenRequest } from '../../../tests/harness/registry.ts';

t.test('resident memory from /proc/PID/status', async (t) => {
  const status = ['Name:\tnode', 'VmPeak:\t 1200000 kB', 'VmHWM:\t  204800 kB', 'VmRSS:\t  102400 kB', ''].join('\n');
  t.same(parseProcStatus(status), { rssMb: 100, peakRssMb: 200 });
  t.equal(parseProcStatus('Name:\tnode\n'), undefined, 'a kernel thread has no VmRSS');
});

t.test('samples from Prometheus text, summed over matching series', async (t) => {
  const text = [
    '# HELP pullguard_resolver_cache_total Image resolutions',
    '# TYPE pullguard_resolver_cache_total counter',
    'pullguard_resolver_cache_total{result="hit"} 120',
    'pullguard_resolver_cache_total{result="coalesced"} 9980',
    'pullguard_registry_requests_total{registry="127.0.0.1:5000",method="HEAD",status="200"} 20',
    'pullguard_registry_requests_total{registry="127.0.0.1:5000",method="GET",status="error"} 3',
    'pullguard_registry_requests_total{registry="127.0.0.1:5001",method="HEAD",status="error"} 4',
    'pullguard_registry_requests_total_other 99',
    '',
  ].join('\n');
  t.equal(readSample(text, 'pullguard_resolver_cache_total', { result: 'coalesced' }), 9980);
  t.equal(readSample(text, 'pullguard_registry_requests_total', { status: 'error' }), 7);
  t.equal(readSample(text, 'pullguard_registry_requests_total'), 27, 'no labels: every series of that name only');
  t.equal(readSample(text, 'pullguard_controller_stuck_pods'), 0);
});

t.test('manifest requests in the access log', async (t) => {
  const entry = (method: string, path: string): RegistryAccess => ({
    method,
    path,
    query: '',
    status: 200,
    userAgent: 'x',
  });
  t.equal(isManifestRequest(entry('HEAD', '/v2/burst/app-00/manifests/v1')), true);
  t.equal(isManifestRequest(entry('GET', '/v2/a/b/c/manifests/sha256:abc')), true);
  t.equal(isManifestRequest(entry('PUT', '/v2/a/manifests/v1')), false, 'a push');
  t.equal(isManifestRequest(entry('GET', '/v2/')), false, 'a ping');
  t.equal(isManifestRequest(entry('HEAD', '/v2/a/blobs/sha256:abc')), false, 'a blob');
});

t.test('token requests per scope', async (t) => {
  const request = (scopes: string[]): TokenRequest => ({
    method: 'GET',
    service: 's',
    scopes,
    username: 'alice',
    status: 200,
    granted: [],
  });
  t.same(
    countTokenRequests([
      request(['repository:a:pull']),
      request(['repository:b:pull']),
      request(['repository:a:pull', 'repository:c:pull']),
    ]),
    { total: 3, scopes: 3, maxPerScope: 2 },
  );
  t.same(countTokenRequests([]), { total: 0, scopes: 0, maxPerScope: 0 });
});

t.test('CPU seconds from /proc/PID/stat, command names with spaces and parentheses included', async (t) => {
  const rest = 'S 1 1 1 0 -1 4194304 124 0 0 0 250 50 0 0 20 0 11 0 254863 3133440 394';
  t.equal(parseProcStat(`4242 (node) ${rest}`, 100), 3);
  t.equal(parseProcStat(`4242 (my (odd) name) ${rest}`, 100), 3);
  t.equal(parseProcStat('garbage', 100), undefined);
});
