import t from 'tap';
import { listIndexPlatforms } from '../../../server/registry/platforms.ts';

const entry = (platform?: Record<string, unknown>) => ({ mediaType: 'x', digest: 'sha256:0', size: 1, platform });

t.test('lists platforms, drops attestations, keeps variant and os.version', async (t) => {
  const index = {
    manifests: [
      entry({ os: 'linux', architecture: 'arm', variant: 'v7' }),
      entry({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' }),
      entry({ os: 'unknown', architecture: 'unknown' }),
    ],
  };
  t.same(listIndexPlatforms(index), [
    { os: 'linux', architecture: 'arm', variant: 'v7' },
    { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1' },
  ]);
});

t.test('an entry without a usable platform means no platform check (containerd pulls it anywhere)', async (t) => {
  t.equal(listIndexPlatforms({ manifests: [entry({ os: 'linux', architecture: 'amd64' }), entry()] }), undefined);
  t.equal(listIndexPlatforms({ manifests: [entry({ os: 'linux' })] }), undefined);
});

t.test('garbage is an empty list, not an exception', async (t) => {
  t.same(listIndexPlatforms(null), []);
  t.same(listIndexPlatforms({ manifests: 'nope' }), []);
  t.same(listIndexPlatforms({}), []);
});
