import t from 'tap';
import type { Platform } from '../../../server/registry/types.ts';
import { absent, digestA, makeResolver, patient, present } from './fixtures.ts';

const linux = (architecture: string, variant?: string): Platform => ({
  os: 'linux',
  architecture,
  ...(variant === undefined ? {} : { variant }),
});

const image = 'ghcr.io/acme/api:v1';

t.test('platform outcomes', async (t) => {
  const index = [linux('amd64'), linux('s390x'), { os: 'unknown', architecture: 'unknown' }];
  const cases: {
    name: string;
    lookup: ReturnType<typeof present>;
    platforms?: Platform[];
    outcome: string;
    detail?: string;
    warnings?: RegExp[];
  }[] = [
    {
      name: 'matching entry',
      lookup: present('ghcr.io', digestA, index),
      platforms: [linux('amd64')],
      outcome: 'present',
      warnings: [],
    },
    {
      name: 'no entry for the node',
      lookup: present('ghcr.io', digestA, index),
      platforms: [linux('arm64')],
      outcome: 'platform-missing',
      detail: 'no linux/arm64 entry in the index (has linux/amd64, linux/s390x)',
    },
    {
      name: 'none of two candidates',
      lookup: present('ghcr.io', digestA, index),
      platforms: [linux('arm64'), linux('ppc64le')],
      outcome: 'platform-missing',
      detail: 'no linux/arm64 or linux/ppc64le entry in the index (has linux/amd64, linux/s390x)',
    },
    {
      name: 'one of two candidates: allowed, with a warning',
      lookup: present('ghcr.io', digestA, index),
      platforms: [linux('amd64'), linux('arm64')],
      outcome: 'present',
      warnings: [/^no linux\/arm64 entry in the index: pulls fail on such nodes$/],
    },
    {
      name: 'fallback only: a warning, not a rejection',
      lookup: present('ghcr.io', digestA, [linux('386')]),
      platforms: [linux('x86_64')],
      outcome: 'present',
      warnings: [/^no exact linux\/amd64 entry \(has linux\/386\): only runtimes that fall back pull it$/],
    },
    {
      name: 'arm/v7 for arm64 is a fallback',
      lookup: present('ghcr.io', digestA, [linux('arm', 'v7')]),
      platforms: [linux('arm64')],
      outcome: 'present',
      warnings: [/fall back/],
    },
    { name: 'no platforms asked', lookup: present('ghcr.io', digestA, index), outcome: 'present', warnings: [] },
    { name: 'empty platforms asked', lookup: present('ghcr.io', digestA, index), platforms: [], outcome: 'present' },
    {
      name: 'a single manifest is never platform-missing',
      lookup: present('ghcr.io', digestA),
      platforms: [linux('arm64')],
      outcome: 'present',
      warnings: [],
    },
    {
      name: 'an index with no usable entries listed is not judged',
      lookup: present('ghcr.io', digestA, []),
      platforms: [linux('arm64')],
      outcome: 'present',
    },
    {
      name: 'absent stays absent',
      lookup: absent('ghcr.io'),
      platforms: [linux('arm64')],
      outcome: 'absent',
      detail: 'ghcr.io answered 404 MANIFEST_UNKNOWN',
    },
  ];
  for (const c of cases) {
    const { resolver, client } = makeResolver();
    client.answer = () => c.lookup;
    const resolution = await resolver.resolve({
      image,
      credentials: [],
      signal: patient,
      ...(c.platforms === undefined ? {} : { platforms: c.platforms }),
    });
    t.equal(resolution.outcome, c.outcome, c.name);
    if (c.detail !== undefined) t.equal(resolution.detail, c.detail, `${c.name}: detail`);
    if (c.warnings !== undefined) t.match(resolution.warnings, c.warnings, `${c.name}: warnings`);
    if (c.warnings?.length === 0) t.same(resolution.warnings, [], `${c.name}: no warnings`);
    for (const warning of resolution.warnings) t.ok(warning.length <= 120, `${c.name}: short warning`);
  }
});

t.test('platform-missing keeps the digest and the index platforms', async (t) => {
  const { resolver, client } = makeResolver();
  const platforms = [linux('amd64')];
  client.answer = () => present('ghcr.io', digestA, platforms);
  const resolution = await resolver.resolve({ image, credentials: [], platforms: [linux('arm64')], signal: patient });
  t.match(resolution, {
    outcome: 'platform-missing',
    digest: digestA,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    platforms,
    registry: 'ghcr.io',
  });
});

t.test('a long index list is cut', async (t) => {
  const { resolver, client } = makeResolver();
  client.answer = () =>
    present(
      'ghcr.io',
      digestA,
      ['amd64', '386', 's390x', 'ppc64le', 'riscv64', 'mips64le', 'loong64'].map((arch) => linux(arch)),
    );
  const resolution = await resolver.resolve({ image, credentials: [], platforms: [linux('arm64')], signal: patient });
  t.equal(
    resolution.detail,
    'no linux/arm64 entry in the index (has linux/amd64, linux/386, linux/s390x, linux/ppc64le, linux/riscv64, linux/mips64le and 1 more)',
  );
});
