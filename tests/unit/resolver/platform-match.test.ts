import t from 'tap';
import type { Platform } from '../../../server/registry/types.ts';
import {
  checkPlatforms,
  formatPlatform,
  isAttestationPlatform,
  matchPlatforms,
  normalizePlatform,
  type PlatformMatch,
} from '../../../server/resolver/platform-match.ts';

/** `linux/arm/v7`, `windows(10.0.17763.1)/amd64` → Platform. */
function p(spec: string): Platform {
  const [osPart = '', architecture = '', variant] = spec.split('/');
  const versioned = /^([^(]+)\((.*)\)$/.exec(osPart);
  return {
    os: versioned?.[1] ?? osPart,
    architecture,
    ...(variant === undefined ? {} : { variant }),
    ...(versioned?.[2] === undefined ? {} : { osVersion: versioned[2] }),
  };
}

t.test('normalization (REGISTRY.md §7)', async (t) => {
  const cases: [string, string][] = [
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['Linux/AMD64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/aarch64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.0', 'linux/arm64'],
    ['linux/arm64/v8.2', 'linux/arm64/v8.2'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/arm/V5', 'linux/arm/v5'],
    ['linux/i386', 'linux/386'],
    ['linux/s390x', 'linux/s390x'],
    ['macos/arm64', 'darwin/arm64'],
    ['windows(10.0.17763.1)/AMD64', 'windows(10.0.17763.1)/amd64'],
  ];
  for (const [input, expected] of cases) {
    t.equal(formatPlatform(normalizePlatform(p(input))), expected, input);
  }
});

t.test('attestation entries are recognised', async (t) => {
  t.equal(isAttestationPlatform({ os: 'unknown', architecture: 'unknown' }), true);
  t.equal(isAttestationPlatform({ os: 'linux', architecture: 'unknown' }), false);
});

t.test('matching table', async (t) => {
  const cases: { name: string; candidates: string[]; index: string[]; expected: PlatformMatch }[] = [
    { name: 'exact', candidates: ['linux/amd64'], index: ['linux/amd64', 'linux/arm64'], expected: 'match' },
    { name: 'normalized aliases', candidates: ['linux/x86_64'], index: ['linux/amd64/v1'], expected: 'match' },
    {
      name: 'aarch64 node, arm64/v8 entry',
      candidates: ['linux/aarch64'],
      index: ['linux/arm64/v8'],
      expected: 'match',
    },
    { name: 'arm label vs armhf entry', candidates: ['linux/arm'], index: ['linux/armhf'], expected: 'match' },
    { name: 'missing arch', candidates: ['linux/arm64'], index: ['linux/amd64', 'linux/s390x'], expected: 'none' },
    { name: 'wrong os', candidates: ['windows/amd64'], index: ['linux/amd64'], expected: 'none' },
    {
      name: 'amd64 takes 386 only as fallback',
      candidates: ['linux/amd64'],
      index: ['linux/386'],
      expected: 'fallback-only',
    },
    {
      name: 'arm64 takes arm/v7 only as fallback',
      candidates: ['linux/arm64'],
      index: ['linux/arm/v7'],
      expected: 'fallback-only',
    },
    {
      name: 'arm64 takes arm/v5 as fallback',
      candidates: ['linux/arm64'],
      index: ['linux/arm/v5'],
      expected: 'fallback-only',
    },
    {
      name: 'arm/v7 takes arm/v6 as fallback',
      candidates: ['linux/arm/v7'],
      index: ['linux/arm/v6'],
      expected: 'fallback-only',
    },
    { name: 'arm/v6 cannot run arm/v7', candidates: ['linux/arm/v6'], index: ['linux/arm/v7'], expected: 'none' },
    { name: 'arm cannot run arm64', candidates: ['linux/arm/v7'], index: ['linux/arm64'], expected: 'none' },
    { name: '386 cannot run amd64', candidates: ['linux/386'], index: ['linux/amd64'], expected: 'none' },
    {
      name: 'arm64 does not take amd64',
      candidates: ['linux/arm64'],
      index: ['linux/amd64', 'linux/386'],
      expected: 'none',
    },
    {
      name: 'amd64/v3 node takes amd64/v2 as fallback',
      candidates: ['linux/amd64/v3'],
      index: ['linux/amd64/v2'],
      expected: 'fallback-only',
    },
    {
      name: 'amd64/v2 node cannot run amd64/v3',
      candidates: ['linux/amd64/v2'],
      index: ['linux/amd64/v3'],
      expected: 'none',
    },
    {
      name: 'unknown amd64 level vs amd64/v3 only',
      candidates: ['linux/amd64'],
      index: ['linux/amd64/v3'],
      expected: 'fallback-only',
    },
    {
      name: 'unknown arm64 level vs arm64/v8.2 only',
      candidates: ['linux/arm64'],
      index: ['linux/arm64/v8.2'],
      expected: 'fallback-only',
    },
    {
      name: 'arm64/v9.0 takes arm64/v8.5 as fallback',
      candidates: ['linux/arm64/v9.0'],
      index: ['linux/arm64/v8.5'],
      expected: 'fallback-only',
    },
    {
      name: 'arm64/v9.0 cannot run arm64/v8.6',
      candidates: ['linux/arm64/v9.0'],
      index: ['linux/arm64/v8.6'],
      expected: 'none',
    },
    {
      name: 'arm64/v8.2 takes arm64/v8.1',
      candidates: ['linux/arm64/v8.2'],
      index: ['linux/arm64/v8.1'],
      expected: 'fallback-only',
    },
    {
      name: 'an exact match wins over a fallback',
      candidates: ['linux/amd64'],
      index: ['linux/386', 'linux/amd64'],
      expected: 'match',
    },
    {
      name: 'any candidate matching is enough',
      candidates: ['linux/arm64', 'linux/amd64'],
      index: ['linux/amd64'],
      expected: 'match',
    },
    {
      name: 'fallback for one candidate, none for the other',
      candidates: ['linux/s390x', 'linux/amd64'],
      index: ['linux/386'],
      expected: 'fallback-only',
    },
    { name: 'no candidates: nothing to check', candidates: [], index: ['linux/amd64'], expected: 'match' },
    {
      name: 'attestation entries are ignored',
      candidates: ['linux/arm64'],
      index: ['linux/amd64', 'unknown/unknown'],
      expected: 'none',
    },
    { name: 'empty index', candidates: ['linux/amd64'], index: [], expected: 'none' },
    {
      name: 'windows: same build',
      candidates: ['windows(10.0.17763.100)/amd64'],
      index: ['windows(10.0.17763.5000)/amd64'],
      expected: 'match',
    },
    {
      name: 'windows: other build before 2022',
      candidates: ['windows(10.0.17763.1)/amd64'],
      index: ['windows(10.0.20348.1)/amd64'],
      expected: 'none',
    },
    {
      name: 'windows: 2022 image on a newer host',
      candidates: ['windows(10.0.26100.1)/amd64'],
      index: ['windows(10.0.20348.1)/amd64'],
      expected: 'match',
    },
    {
      name: 'windows: 2019 image on a 2022 host',
      candidates: ['windows(10.0.20348.1)/amd64'],
      index: ['windows(10.0.17763.1)/amd64'],
      expected: 'none',
    },
    {
      name: 'windows: newer image than host',
      candidates: ['windows(10.0.20348.1)/amd64'],
      index: ['windows(10.0.26100.1)/amd64'],
      expected: 'none',
    },
    {
      name: 'windows: node gives no version',
      candidates: ['windows/amd64'],
      index: ['windows(10.0.17763.1)/amd64'],
      expected: 'match',
    },
    {
      name: 'windows: entry gives no version',
      candidates: ['windows(10.0.17763.1)/amd64'],
      index: ['windows/amd64'],
      expected: 'match',
    },
    {
      name: 'windows: unparseable version is no constraint',
      candidates: ['windows(ltsc)/amd64'],
      index: ['windows(10.0.17763.1)/amd64'],
      expected: 'match',
    },
  ];
  for (const c of cases) {
    t.equal(matchPlatforms(c.candidates.map(p), c.index.map(p)), c.expected, c.name);
  }
});

t.test('checkPlatforms sorts the candidates', async (t) => {
  const check = checkPlatforms(
    [p('linux/amd64'), p('linux/arm64'), p('linux/s390x')],
    [p('linux/x86_64'), p('linux/arm/v7')],
  );
  t.equal(check.match, 'match');
  t.same(check.matched.map(formatPlatform), ['linux/amd64']);
  t.same(check.fallbackOnly.map(formatPlatform), ['linux/arm64']);
  t.same(check.unmatched.map(formatPlatform), ['linux/s390x']);
});
