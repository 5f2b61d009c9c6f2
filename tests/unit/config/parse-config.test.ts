import t from 'tap';
import { defaultConfig, parseConfigText } from '../../../server/config/index.ts';
import { ConfigError } from '../../../server/errors.ts';

t.test('an empty file gives every default', async (t) => {
  const config = parseConfigText('');
  t.equal(config.controller.imagePullAttempts, 3);
  t.equal(config.admission.unreachable, 'allow');
  t.equal(config.webhook.timeoutSeconds, 10);
  t.same(config.admission.clusterPlatforms, ['linux/amd64']);
  t.same(config, defaultConfig());
  t.ok(Object.isFrozen(config.controller), 'the result is frozen');
});

t.test('given values are kept and nested defaults filled', async (t) => {
  const config = parseConfigText(`
controller:
  imagePullAttempts: 5
registries:
  hosts:
    docker.io:
      unauthorizedAs: absent
    localhost:5000:
      insecureHttp: true
      mirrors:
        - url: http://127.0.0.1:5001
`);
  t.equal(config.controller.imagePullAttempts, 5);
  t.equal(config.controller.action, 'fail');
  t.equal(config.registries.hosts['docker.io']?.unauthorizedAs, 'absent');
  t.equal(config.registries.hosts['docker.io']?.insecureHttp, false);
  t.same(config.registries.hosts['localhost:5000']?.mirrors[0]?.capabilities, ['pull', 'resolve']);
});

const bad: [string, string, RegExp][] = [
  ['unknown key', 'controller:\n  imagePullAttemps: 3\n', /controller\.imagePullAttemps: unknown key/],
  ['wrong type', 'controller:\n  imagePullAttempts: three\n', /controller\.imagePullAttempts: must be integer/],
  ['below minimum', 'controller:\n  imagePullAttempts: 0\n', /controller\.imagePullAttempts: must be >= 1/],
  ['bad enum', 'admission:\n  ownedPods: maybe\n', /admission\.ownedPods: must be one of "fail", "deny"/],
  ['bad platform', 'admission:\n  clusterPlatforms: [Linux]\n', /admission\.clusterPlatforms\[0\]/],
  ['top-level list', '- a\n- b\n', /top level must be a mapping/],
  ['not YAML', 'a: [b\n', /not valid YAML/],
  ['files without paths', 'tls:\n  source: files\n', /tls\.certFile and tls\.keyFile are required/],
  ['mirror without scheme', 'registries:\n  hosts:\n    x.io:\n      mirrors: [{url: m.io}]\n', /mirrors\[0\]\.url/],
];

for (const [name, text, message] of bad) {
  t.test(`rejects: ${name}`, async (t) => {
    t.throws(() => parseConfigText(text, 'pullguard.yaml'), ConfigError);
    try {
      parseConfigText(text, 'pullguard.yaml');
    } catch (error) {
      t.match((error as Error).message, /^pullguard\.yaml: /);
      t.match((error as Error).message, message);
    }
  });
}
