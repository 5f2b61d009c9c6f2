import t from 'tap';
import { areaOf, type CpuProfile, summarizeProfile } from '../../../bench/support/profile-summary.ts';

t.test('areas from script URLs', async (t) => {
  const cases: [url: string, functionName: string, area: string][] = [
    ['', '(garbage collector)', '(garbage collector)'],
    ['', '(idle)', '(idle)'],
    ['', 'JSONParse', '(native)'],
    ['node:internal/tls/wrap', 'onread', 'node:tls'],
    ['node:http2', 'request', 'node:http2'],
    ['file:///w/node_modules/fastify/lib/route.js', 'x', 'fastify'],
    ['file:///w/node_modules/@kubernetes/client-node/dist/cache.js', 'x', '@kubernetes/client-node'],
    ['file:///w/node_modules/pino/node_modules/sonic-boom/index.js', 'write', 'sonic-boom'],
    ['file:///w/server/admission/decide.ts', 'decide', 'server/admission'],
    ['file:///w/server/errors.ts', 'x', 'server'],
    ['file:///w/bench/support/bare-server.ts', 'x', 'bench/support'],
  ];
  for (const [url, name, area] of cases) t.equal(areaOf(url, name), area, url || name);
});

t.test('self time from samples and their time deltas, idle apart', async (t) => {
  const node = (id: number, functionName: string, url: string) => ({
    id,
    callFrame: { functionName, url, lineNumber: 9 },
  });
  const profile: CpuProfile = {
    nodes: [
      node(1, '(root)', ''),
      node(2, '(idle)', ''),
      node(3, 'decideAdmission', 'file:///w/server/admission/decide.ts'),
      node(4, 'serialize', 'file:///w/node_modules/fastify/lib/reply.js'),
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [3, 3, 4, 2, 3],
    // Each sample is charged the delta that follows it (µs); the last one gets nothing.
    timeDeltas: [0, 500, 1500, 3500, 4500],
  };
  const summary = summarizeProfile(profile);
  t.equal(summary.totalMs, 10);
  t.equal(summary.busyMs, 5.5);
  t.same(
    summary.byArea.map((share) => [share.name, share.ms]),
    [
      ['(idle)', 4.5],
      ['fastify', 3.5],
      ['server/admission', 2],
    ],
  );
  t.equal(summary.byFunction[1]?.name, 'serialize node_modules/fastify/lib/reply.js:10');
  t.equal(summary.byArea[0]?.percent, 45);
});
