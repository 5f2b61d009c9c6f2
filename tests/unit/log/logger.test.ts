import t from 'tap';
import { createLogger } from '../../../server/log/logger.ts';
import { createLogSink } from '../../helpers/log-sink.ts';

t.test('credentials never reach the log stream', async (t) => {
  const out = createLogSink();
  const log = createLogger({ level: 'info', destination: out.stream });
  log.info({ password: 'hunter2', credential: { username: 'alice', password: 'pw-secret-1' } }, 'a');
  log.info({ headers: { authorization: 'Bearer tok-secret-2' }, token: 'tok-secret-3' }, 'b');
  log.info({ secret: { data: { '.dockerconfigjson': 'ZGF0YS1zZWNyZXQ=' } } }, 'c');
  log.info({ auth: 'YWxpY2U6cHc=' }, 'd');
  log.child({ uid: 'u1' }).info({ req: { headers: { authorization: 'Basic c2VjcmV0' } } }, 'e');
  const text = out.text();
  for (const secret of ['hunter2', 'pw-secret-1', 'tok-secret-2', 'tok-secret-3', 'ZGF0YS1zZWNyZXQ=', 'YWxpY2U6cHc=']) {
    t.notOk(text.includes(secret), `${secret} is redacted`);
  }
  t.notOk(text.includes('c2VjcmV0'));
  const lines = out.lines();
  t.equal(lines.length, 5);
  t.equal(lines[0]?.level, 'info');
  t.equal((lines[0]?.credential as Record<string, unknown> | undefined)?.username, 'alice', 'non-secret fields stay');
  t.equal(lines[4]?.uid, 'u1', 'child loggers carry their bindings');
});
