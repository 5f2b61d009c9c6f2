import t from 'tap';
import {
  parsePlatform,
  readPlatformConstraints,
  selectCandidatePlatforms,
} from '../../../server/admission/platforms.ts';
import type { Platform } from '../../../server/registry/types.ts';

const cluster: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'windows', architecture: 'amd64' },
];

const names = (platforms: readonly Platform[] | undefined) =>
  platforms?.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/'));

function affinity(...terms: unknown[]) {
  return {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
  };
}
const expr = (key: string, operator: string, values?: string[]) => ({ key, operator, ...(values ? { values } : {}) });

const cases: { name: string; spec: unknown; expected: string[] | undefined }[] = [
  {
    name: 'no constraints: every cluster platform',
    spec: {},
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  { name: 'nodeSelector arch', spec: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }, expected: ['linux/arm64'] },
  { name: 'nodeSelector os', spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } }, expected: ['windows/amd64'] },
  {
    name: 'nodeSelector os and arch',
    spec: { nodeSelector: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', zone: 'a' } },
    expected: ['linux/amd64'],
  },
  {
    name: 'beta labels count too',
    spec: { nodeSelector: { 'beta.kubernetes.io/arch': 'arm' } },
    expected: ['linux/arm/v7'],
  },
  {
    name: 'selector outside the cluster: no check',
    spec: { nodeSelector: { 'kubernetes.io/arch': 's390x' } },
    expected: undefined,
  },
  {
    name: 'a non-string selector value is ignored',
    spec: { nodeSelector: { 'kubernetes.io/arch': 5 } },
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'affinity In',
    spec: affinity({ matchExpressions: [expr('kubernetes.io/arch', 'In', ['amd64', 'arm64'])] }),
    expected: ['linux/amd64', 'linux/arm64', 'windows/amd64'],
  },
  {
    name: 'affinity NotIn',
    spec: affinity({ matchExpressions: [expr('kubernetes.io/os', 'NotIn', ['windows'])] }),
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
  },
  {
    name: 'expressions of one term are ANDed',
    spec: affinity({
      matchExpressions: [
        expr('kubernetes.io/os', 'In', ['linux']),
        expr('kubernetes.io/arch', 'NotIn', ['amd64', 'arm']),
      ],
    }),
    expected: ['linux/arm64'],
  },
  {
    name: 'terms are ORed',
    spec: affinity(
      { matchExpressions: [expr('kubernetes.io/arch', 'In', ['arm'])] },
      { matchExpressions: [expr('kubernetes.io/os', 'In', ['windows'])] },
    ),
    expected: ['linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'nodeSelector AND affinity',
    spec: {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      ...affinity({ matchExpressions: [expr('kubernetes.io/arch', 'In', ['amd64'])] }),
    },
    expected: ['linux/amd64'],
  },
  {
    name: 'a term on other labels allows every platform',
    spec: affinity({ matchExpressions: [expr('topology.kubernetes.io/zone', 'In', ['a'])] }),
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'Exists allows, Gt is not understood and allows',
    spec: affinity({ matchExpressions: [expr('kubernetes.io/arch', 'Exists'), expr('kubernetes.io/os', 'Gt', ['1'])] }),
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'DoesNotExist on a well-known label matches no node: no check',
    spec: affinity({ matchExpressions: [expr('kubernetes.io/arch', 'DoesNotExist')] }),
    expected: undefined,
  },
  { name: 'an empty term matches nothing', spec: affinity({}), expected: undefined },
  {
    name: 'an empty term next to a real one',
    spec: affinity({}, { matchExpressions: [expr('kubernetes.io/arch', 'In', ['arm64'])] }),
    expected: ['linux/arm64'],
  },
  {
    name: 'matchFields only constrains nothing here',
    spec: affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }),
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'no terms at all is no affinity',
    spec: affinity(),
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'hostile shapes are ignored',
    spec: { nodeSelector: 'x', affinity: { nodeAffinity: [] } },
    expected: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'windows/amd64'],
  },
  {
    name: 'values compare case-insensitively',
    spec: affinity({ matchExpressions: [expr('kubernetes.io/arch', 'In', ['ARM64'])] }),
    expected: ['linux/arm64'],
  },
];

for (const { name, spec, expected } of cases) {
  t.test(name, async (t) => {
    t.same(names(selectCandidatePlatforms(readPlatformConstraints(spec), cluster)), expected);
  });
}

t.test('no configured cluster platforms: no platform check', async (t) => {
  t.equal(selectCandidatePlatforms(readPlatformConstraints({}), []), undefined);
});

t.test('parsePlatform', async (t) => {
  t.same(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  t.same(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  for (const bad of ['linux', 'linux/', '/amd64', 'linux/arm/', 'a/b/c/d', ''])
    t.equal(parsePlatform(bad), undefined, bad);
});
