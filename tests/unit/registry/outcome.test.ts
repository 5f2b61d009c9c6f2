import t from 'tap';
import { parseReference } from '../../../server/reference/parse-reference.ts';
import { planHosts, registryUrl } from '../../../server/registry/hosts.ts';
import { type AttemptResult, classifyFailure, combineAttempts } from '../../../server/registry/outcome.ts';
import { RegistryError } from '../../../server/registry/registry-error.ts';
import { defaultRegistrySettings, hostSettingsFor } from '../../../server/registry/settings.ts';

const [dockerHub] = planHosts(defaultRegistrySettings(), parseReference('nginx'));

function statusError(status: number, codes: string[] = [], phase: RegistryError['phase'] = 'manifest') {
  return new RegistryError({
    reason: 'status',
    method: 'HEAD',
    url: 'https://registry-1.docker.io/v2/library/nginx/manifests/latest',
    phase,
    status,
    codes,
    detail: `answered ${status}${codes.length > 0 ? ` ${codes.join(', ')}` : ''}`,
  });
}

t.test(
  'docker.io: the upstream is registry-1.docker.io, and a 401 says Docker Hub hides missing repositories',
  async (t) => {
    if (dockerHub === undefined) throw new Error('no host planned');
    t.equal(dockerHub.baseUrl.href, 'https://registry-1.docker.io/');
    t.equal(dockerHub.label, 'docker.io');
    t.equal(
      registryUrl(dockerHub, 'library/nginx/manifests/latest').href,
      'https://registry-1.docker.io/v2/library/nginx/manifests/latest',
    );
    const result = classifyFailure(statusError(401, ['UNAUTHORIZED']), dockerHub, 'docker.io');
    t.equal(result.outcome, 'unauthorized');
    t.match(result.answer.summary, /Docker Hub also answers 401 for repositories that do not exist/);
    t.same(result.answer.codes, ['UNAUTHORIZED']);
    t.equal(classifyFailure(statusError(403, ['DENIED']), dockerHub, 'docker.io').outcome, 'unauthorized');
    t.equal(classifyFailure(statusError(403, ['TOOMANYREQUESTS']), dockerHub, 'docker.io').outcome, 'unreachable');
    t.equal(classifyFailure(statusError(404, [], 'token'), dockerHub, 'docker.io').outcome, 'unreachable');
    t.equal(classifyFailure(statusError(400), dockerHub, 'docker.io').outcome, 'unreachable');
  },
);

t.test('combining: present > unreachable > unauthorized > absent', async (t) => {
  const make = (outcome: AttemptResult['outcome'], host: string, retryAfterMs?: number): AttemptResult => ({
    outcome,
    answer: { host, codes: [], summary: outcome },
    retryAfterMs,
  });
  t.equal(combineAttempts([make('absent', 'a'), make('absent', 'b')]).answer.host, 'b');
  t.equal(combineAttempts([make('absent', 'a'), make('unauthorized', 'b')]).outcome, 'unauthorized');
  t.equal(combineAttempts([make('unreachable', 'a'), make('unauthorized', 'b')]).outcome, 'unreachable');
  const waits = combineAttempts([make('unreachable', 'a', 1000), make('unreachable', 'b', 5000), make('absent', 'c')]);
  t.equal(waits.retryAfterMs, 5000);
  t.equal(combineAttempts([make('unauthorized', 'a', 1000)]).retryAfterMs, undefined);
  t.throws(() => combineAttempts([]), RangeError);
});

t.test('host settings: the own entry over the * entry', async (t) => {
  const settings = {
    ...defaultRegistrySettings(),
    hosts: {
      '*': { unauthorizedAs: 'absent' as const, caPem: 'default-ca' },
      'ghcr.io': { caPem: 'ghcr-ca', insecureHttp: undefined },
    },
  };
  t.same(hostSettingsFor(settings, 'ghcr.io'), { unauthorizedAs: 'absent', caPem: 'ghcr-ca' });
  t.same(hostSettingsFor(settings, 'quay.io'), { unauthorizedAs: 'absent', caPem: 'default-ca' });
  t.same(hostSettingsFor(settings, 'constructor'), { unauthorizedAs: 'absent', caPem: 'default-ca' });
});
