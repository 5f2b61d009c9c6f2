import t from 'tap';
import { type DecisionInput, decideAdmission } from '../../../server/admission/decide.ts';
import type { ImageFinding, ImageOverflow, PullSecretProblem } from '../../../server/admission/findings.ts';
import {
  type AdmissionMode,
  type AdmissionPolicy,
  DEFAULT_ADMISSION_POLICY,
} from '../../../server/admission/policy.ts';
import { makeFinding } from './helpers/findings.ts';

type Expect = 'allow' | 'deny' | 'warn' | 'annotate';

interface Row {
  name: string;
  findings?: ImageFinding[];
  pullSecretProblems?: PullSecretProblem[];
  overflow?: ImageOverflow;
  policy?: Partial<AdmissionPolicy>;
  enforce: Expect;
  warn: Expect;
  audit: Expect;
  /** A fragment of the denial line / warning. */
  says?: RegExp;
}

const hubSecret = {
  fieldPath: 'spec.imagePullSecrets',
  message: 'image pull secret "regcred" cannot be decoded: bad base64',
};

const table: Row[] = [
  { name: 'present', findings: [makeFinding('present')], enforce: 'allow', warn: 'allow', audit: 'allow' },
  { name: 'skipped', findings: [makeFinding('skipped')], enforce: 'allow', warn: 'allow', audit: 'allow' },
  {
    name: 'absent, Always',
    findings: [makeFinding('absent', {}, { pullPolicy: 'Always' })],
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /not found: ghcr\.io answered 404 MANIFEST_UNKNOWN/,
  },
  {
    name: 'absent, IfNotPresent, default ifNotPresentAbsent deny',
    findings: [makeFinding('absent')],
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
  },
  {
    name: 'absent, IfNotPresent, ifNotPresentAbsent warn',
    findings: [makeFinding('absent')],
    policy: { ifNotPresentAbsent: 'warn' },
    enforce: 'warn',
    warn: 'warn',
    audit: 'annotate',
  },
  {
    name: 'absent, Always, ifNotPresentAbsent warn still denies',
    findings: [makeFinding('absent', {}, { pullPolicy: 'Always' })],
    policy: { ifNotPresentAbsent: 'warn' },
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
  },
  {
    name: 'invalid',
    findings: [makeFinding('invalid', {}, { image: 'NOT VALID@@ref' })],
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /"NOT VALID@@ref" is not a valid image reference: invalid reference format/,
  },
  {
    name: 'malformed field',
    findings: [
      makeFinding('invalid', {}, { state: 'malformed', image: '', problem: 'image must be a string, not number' }),
    ],
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /spec\.containers\[0\]\.image is not a valid image reference: image must be a string, not number/,
  },
  {
    name: 'platform-missing',
    findings: [makeFinding('platform-missing', { platforms: [{ os: 'linux', architecture: 'arm64' }] })],
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /has no image for linux\/arm64: the index lists linux\/amd64 only/,
  },
  {
    name: 'unauthorized, default warn',
    findings: [makeFinding('unauthorized')],
    enforce: 'warn',
    warn: 'warn',
    audit: 'annotate',
  },
  {
    name: 'unauthorized, deny',
    findings: [makeFinding('unauthorized')],
    policy: { unauthorized: 'deny' },
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /cannot be pulled with the Pod's credentials: ghcr\.io answered 401 UNAUTHORIZED \(the repository may not exist/,
  },
  {
    name: 'unauthorized on Docker Hub, deny: the message says Hub answers 401 for missing repositories',
    findings: [makeFinding('unauthorized', {}, { image: 'acme/privat' })],
    policy: { unauthorized: 'deny' },
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /Docker Hub answers 401 for repositories that do not exist/,
  },
  {
    name: 'unauthorized where the registry says a refusal means absent',
    findings: [makeFinding('unauthorized', {}, { image: 'acme/privat:v1' })],
    policy: { registries: { 'docker.io': { unauthorizedAs: 'absent' } } },
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /not found: docker\.io answered 401 UNAUTHORIZED \(a refusal counts as not found for this registry\)/,
  },
  {
    name: 'unreachable, default allow with a warning',
    findings: [makeFinding('unreachable')],
    enforce: 'warn',
    warn: 'warn',
    audit: 'annotate',
  },
  {
    name: 'unreachable, deny',
    findings: [makeFinding('unreachable')],
    policy: { unreachable: 'deny' },
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /could not be checked: ghcr\.io timed out after 3000 ms/,
  },
  {
    name: 'a pull secret the kubelet cannot decode',
    pullSecretProblems: [hubSecret],
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /spec\.imagePullSecrets cannot be used: image pull secret "regcred" cannot be decoded: bad base64; the kubelet would fail every image pull of this Pod/,
  },
  {
    name: 'too many images',
    overflow: { total: 5002, limit: 1000 },
    enforce: 'deny',
    warn: 'warn',
    audit: 'annotate',
    says: /5002 image fields exceed pullguard's limit of 1000 per review; none was checked/,
  },
];

function decide(row: Row, mode: AdmissionMode, isOwnedPod = false) {
  const input: DecisionInput = {
    mode,
    policy: { ...DEFAULT_ADMISSION_POLICY, ...row.policy },
    findings: row.findings ?? [],
    pullSecretProblems: row.pullSecretProblems ?? [],
    isOwnedPod,
    overflow: row.overflow,
  };
  return decideAdmission(input);
}

for (const row of table) {
  for (const mode of ['enforce', 'warn', 'audit'] as const) {
    t.test(`${row.name} in ${mode}`, async (t) => {
      const decision = decide(row, mode);
      const expected = row[mode];
      t.equal(decision.allowed, expected !== 'deny', 'allowed');
      t.equal(decision.message !== '', expected === 'deny', 'a message only when denied');
      t.equal(decision.warnings.length > 0, expected === 'warn', 'warnings only for warn');
      t.equal(Object.keys(decision.auditAnnotations).length > 0, expected === 'annotate', 'audit annotations');
      t.equal(decision.verdict, undefined, 'no verdict for a Pod without controller');
      for (const warning of decision.warnings) t.ok(warning.length <= 120, `warning within 120: ${warning}`);
      if (row.says !== undefined && expected === 'deny') t.match(decision.message, row.says);
      if (row.says !== undefined && expected === 'annotate') {
        const summary = JSON.parse(decision.auditAnnotations.images ?? '{}');
        t.equal(summary.count, 1);
        t.equal(summary.findings.length, 1);
      }
    });
  }
}

t.test('the denial line of DESIGN.md §3, and several joined with "; "', async (t) => {
  const first = makeFinding(
    'absent',
    {},
    { fieldPath: 'spec.template.spec.containers[0].image', pullPolicy: 'Always' },
  );
  const second = makeFinding(
    'invalid',
    {},
    { fieldPath: 'spec.template.spec.initContainers[1].image', image: 'a:b:c' },
  );
  const decision = decideAdmission({
    mode: 'enforce',
    policy: DEFAULT_ADMISSION_POLICY,
    findings: [first, makeFinding('present'), second],
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.equal(
    decision.message,
    'spec.template.spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN; ' +
      'spec.template.spec.initContainers[1].image "a:b:c" is not a valid image reference: invalid reference format',
  );
});

t.test('denied images are in the message, allowed problems in the warnings', async (t) => {
  const decision = decideAdmission({
    mode: 'enforce',
    policy: DEFAULT_ADMISSION_POLICY,
    findings: [makeFinding('absent'), makeFinding('unreachable', {}, { fieldPath: 'spec.containers[1].image' })],
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.equal(decision.allowed, false);
  t.notMatch(decision.message, /containers\[1\]/);
  t.same(decision.warnings, [
    'spec.containers[1].image "ghcr.io/acme/api:v1.2" not checked: ghcr.io timed out after 3000 ms',
  ]);
});

t.test('warn mode: the same facts as short warnings', async (t) => {
  const decision = decideAdmission({
    mode: 'warn',
    policy: DEFAULT_ADMISSION_POLICY,
    findings: [makeFinding('absent', {}, { fieldPath: 'spec.template.spec.containers[0].image' })],
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.same(decision.warnings, [
    'spec.template.spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN',
  ]);
});

t.test('warnings stay within 120 characters: the image is shortened in the middle, then the end cut', async (t) => {
  const longImage = `registry.example.com/${'team/'.repeat(40)}service:${'v'.repeat(100)}`;
  const hostile = `evil\u0000\u001b[2J${'\u202e'.repeat(50)}:tag`;
  const longPath = `spec.jobTemplate.spec.template.spec.initContainers[123456].image${'x'.repeat(100)}`;
  const findings = [
    makeFinding('absent', {}, { image: longImage }),
    makeFinding('unreachable', { detail: 'd'.repeat(5000) }),
    makeFinding('absent', {}, { image: hostile }),
    makeFinding('absent', {}, { fieldPath: longPath, image: 'x'.repeat(10_000) }),
    makeFinding('unauthorized', {}, { image: `docker.io/${'a'.repeat(200)}/b:c` }),
  ];
  const decision = decideAdmission({
    mode: 'warn',
    policy: DEFAULT_ADMISSION_POLICY,
    findings,
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.equal(decision.warnings.length, 6, 'five findings and the Docker Hub note');
  for (const warning of decision.warnings) {
    t.ok(warning.length <= 120, `${warning.length}: ${warning}`);
    t.match(warning, /^[\x20-\x7e]*$/, 'printable ASCII only (warnings are HTTP headers)');
  }
  t.match(
    decision.warnings[0],
    /^spec\.containers\[0\]\.image "registry\.exa.*\.\.\.v+" not found: registry\.example\.com answered 404/,
  );
  t.match(decision.warnings[2], /\\u0000\\u001b/, 'control characters are escaped');
  t.ok(decision.warnings.includes('Docker Hub answers 401 for repositories that do not exist'));
});

t.test('denial lines escape control characters and cut huge images', async (t) => {
  const decision = decideAdmission({
    mode: 'enforce',
    policy: DEFAULT_ADMISSION_POLICY,
    findings: [makeFinding('invalid', {}, { image: `a\nb${'z'.repeat(100_000)}` })],
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.notMatch(decision.message, /\n/);
  t.match(decision.message, /"a\\u000abzz+\.\.\.zz+"/);
  t.ok(decision.message.length < 700, `length ${decision.message.length}`);
});

t.test('many problems: message and warnings are capped', async (t) => {
  const findings = Array.from({ length: 50 }, (_, index) =>
    makeFinding('absent', {}, { fieldPath: `spec.containers[${index}].image`, pullPolicy: 'Always' }),
  );
  const denied = decideAdmission({
    mode: 'enforce',
    policy: DEFAULT_ADMISSION_POLICY,
    findings,
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.equal(denied.message.split('; ').length, 21);
  t.match(denied.message, /; and 30 more$/);
  const warned = decideAdmission({
    mode: 'warn',
    policy: DEFAULT_ADMISSION_POLICY,
    findings,
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.equal(warned.warnings.length, 12);
  t.equal(warned.warnings[11], '... and 39 more warnings');
  const audited = decideAdmission({
    mode: 'audit',
    policy: DEFAULT_ADMISSION_POLICY,
    findings,
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  const summary = JSON.parse(audited.auditAnnotations.images ?? '');
  t.equal(summary.count, 50);
  t.equal(summary.findings.length, 10);
  t.ok((audited.auditAnnotations.images ?? '').length < 4096, 'the audit value stays short');
});

t.test('audit: one JSON summary under a key the API server accepts', async (t) => {
  const decision = decideAdmission({
    mode: 'audit',
    policy: DEFAULT_ADMISSION_POLICY,
    findings: [makeFinding('absent'), makeFinding('present')],
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.same(Object.keys(decision.auditAnnotations), ['images']);
  t.same(JSON.parse(decision.auditAnnotations.images ?? ''), {
    count: 1,
    findings: [
      {
        field: 'spec.containers[0].image',
        image: 'ghcr.io/acme/api:v1.2',
        outcome: 'absent',
        detail: 'spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN',
      },
    ],
  });
  t.same(decision.warnings, [], 'audit is silent');
});

t.test('resolver warnings are passed on in enforce and warn, with the field path', async (t) => {
  const finding = makeFinding('present', {
    warnings: ['uppercase registry host "Reg" is refused by kubelet <=1.28 and CRI-O'],
  });
  for (const mode of ['enforce', 'warn'] as const) {
    const decision = decideAdmission({
      mode,
      policy: DEFAULT_ADMISSION_POLICY,
      findings: [finding],
      pullSecretProblems: [],
      isOwnedPod: false,
    });
    t.same(decision.warnings, [
      'spec.containers[0].image: uppercase registry host "Reg" is refused by kubelet <=1.28 and CRI-O',
    ]);
  }
  const audit = decideAdmission({
    mode: 'audit',
    policy: DEFAULT_ADMISSION_POLICY,
    findings: [finding],
    pullSecretProblems: [],
    isOwnedPod: false,
  });
  t.same(audit.warnings, []);
});

t.test('controller-owned Pods', async (t) => {
  const absent = makeFinding('absent', {}, { pullPolicy: 'Always' });
  const base = { policy: DEFAULT_ADMISSION_POLICY, pullSecretProblems: [], isOwnedPod: true } as const;

  t.test('ownedPods fail (default): admitted, warned, verdict recorded', async (t) => {
    const decision = decideAdmission({ ...base, mode: 'enforce', findings: [absent] });
    t.equal(decision.allowed, true);
    t.equal(decision.message, '');
    t.same(decision.verdict, {
      outcome: 'absent',
      fieldPath: 'spec.containers[0].image',
      container: 'api',
      image: 'ghcr.io/acme/api:v1.2',
      reason: 'ghcr.io answered 404 MANIFEST_UNKNOWN',
    });
    t.same(decision.warnings, [
      'spec.containers[0].image "ghcr.io/acme/api:v1.2" not found: ghcr.io answered 404 MANIFEST_UNKNOWN',
      'controller-owned Pod admitted (ownedPods: fail): pullguard will fail it',
    ]);
    t.same(JSON.parse(decision.auditAnnotations.verdict ?? ''), decision.verdict);
  });

  t.test('ownedPods deny: denied like any Pod', async (t) => {
    const decision = decideAdmission({
      ...base,
      policy: { ...DEFAULT_ADMISSION_POLICY, ownedPods: 'deny' },
      mode: 'enforce',
      findings: [absent],
    });
    t.equal(decision.allowed, false);
    t.equal(decision.verdict, undefined);
  });

  t.test('invalid, platform-missing and undecodable pull secrets are certain too', async (t) => {
    for (const finding of [makeFinding('invalid', {}, { image: 'a b' }), makeFinding('platform-missing')]) {
      const decision = decideAdmission({ ...base, mode: 'enforce', findings: [finding] });
      t.equal(decision.allowed, true);
      t.equal(decision.verdict?.outcome, finding.outcome);
    }
    const secret = decideAdmission({ ...base, mode: 'enforce', findings: [], pullSecretProblems: [hubSecret] });
    t.equal(secret.allowed, true);
    t.equal(secret.verdict?.outcome, 'pull-secret-invalid');
    t.equal(secret.verdict?.fieldPath, 'spec.imagePullSecrets');
  });

  t.test('uncertain denials admit without a verdict', async (t) => {
    const policy: AdmissionPolicy = { ...DEFAULT_ADMISSION_POLICY, unreachable: 'deny', unauthorized: 'deny' };
    const decision = decideAdmission({
      ...base,
      policy,
      mode: 'enforce',
      findings: [makeFinding('unreachable'), makeFinding('unauthorized')],
    });
    t.equal(decision.allowed, true);
    t.equal(decision.verdict, undefined);
    t.ok(decision.warnings.includes('controller-owned Pod admitted (ownedPods: fail)'));
    const overflow = decideAdmission({
      ...base,
      mode: 'enforce',
      findings: [],
      overflow: { total: 2000, limit: 1000 },
    });
    t.equal(overflow.allowed, true);
    t.equal(overflow.verdict, undefined);
  });

  t.test('absent IfNotPresent under ifNotPresentAbsent warn is no verdict', async (t) => {
    const policy: AdmissionPolicy = { ...DEFAULT_ADMISSION_POLICY, ifNotPresentAbsent: 'warn' };
    const decision = decideAdmission({ ...base, policy, mode: 'enforce', findings: [makeFinding('absent')] });
    t.equal(decision.allowed, true);
    t.equal(decision.verdict, undefined);
  });

  t.test('warn and audit never record a verdict', async (t) => {
    for (const mode of ['warn', 'audit'] as const) {
      t.equal(decideAdmission({ ...base, mode, findings: [absent] }).verdict, undefined, mode);
    }
  });

  t.test('nothing wrong: nothing said', async (t) => {
    const decision = decideAdmission({ ...base, mode: 'enforce', findings: [makeFinding('present')] });
    t.same(decision.warnings, []);
    t.equal(decision.verdict, undefined);
  });
});
