import t from 'tap';
import {
  buildCaBundlePatch,
  encodeCaBundle,
  isCurrentCaBundle,
  type JsonPatchOperation,
  type WebhookConfigurationKind,
  type WebhookConfigurationLike,
} from '../../../server/certs/ca-bundle.ts';
import { reconcileCaBundle, type WebhookConfigApi } from '../../../server/certs/ca-bundle-reconcile.ts';

// The builder only moves text around; any PEM-shaped string will do.
const caPem = '-----BEGIN CERTIFICATE-----\nQ0EtT05F\n-----END CERTIFICATE-----\n';
const oldPem = '-----BEGIN CERTIFICATE-----\nT0xELUNB\n-----END CERTIFICATE-----\n';
const current = encodeCaBundle(caPem);
const stale = encodeCaBundle(oldPem);

function config(...webhooks: Array<{ name: string; caBundle?: string; noClientConfig?: boolean }>) {
  return {
    webhooks: webhooks.map((w) => ({
      name: w.name,
      ...(w.noClientConfig ? {} : { clientConfig: w.caBundle === undefined ? {} : { caBundle: w.caBundle } }),
    })),
  };
}

t.test('caBundle is the base64 of the PEM; comparison ignores surrounding whitespace', async (t) => {
  t.equal(Buffer.from(current, 'base64').toString('utf8'), caPem);
  t.ok(isCurrentCaBundle(current, caPem));
  t.ok(isCurrentCaBundle(encodeCaBundle(caPem.trim()), caPem), 'a missing final newline is no change');
  t.notOk(isCurrentCaBundle(stale, caPem));
  t.notOk(isCurrentCaBundle(undefined, caPem));
  t.notOk(isCurrentCaBundle('', caPem));
});

t.test('patch builder', async (t) => {
  const cases: Array<{
    name: string;
    config: WebhookConfigurationLike;
    names?: string[];
    patch: JsonPatchOperation[];
    updated: string[];
    missing?: string[];
  }> = [
    {
      name: 'already current: no patch',
      config: config({ name: 'a', caBundle: current }, { name: 'b', caBundle: current }),
      patch: [],
      updated: [],
    },
    {
      name: 'unset and stale entries are set, current ones left alone',
      config: config({ name: 'a' }, { name: 'b', caBundle: current }, { name: 'c', caBundle: stale }),
      patch: [
        { op: 'test', path: '/webhooks/0/name', value: 'a' },
        { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: current },
        { op: 'test', path: '/webhooks/2/name', value: 'c' },
        { op: 'add', path: '/webhooks/2/clientConfig/caBundle', value: current },
      ],
      updated: ['a', 'c'],
    },
    {
      name: 'only the named webhooks; unknown names reported',
      config: config({ name: 'ours' }, { name: 'theirs', caBundle: stale }),
      names: ['ours', 'gone'],
      patch: [
        { op: 'test', path: '/webhooks/0/name', value: 'ours' },
        { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: current },
      ],
      updated: ['ours'],
      missing: ['gone'],
    },
    {
      name: 'no clientConfig at all',
      config: config({ name: 'a', noClientConfig: true }),
      patch: [
        { op: 'test', path: '/webhooks/0/name', value: 'a' },
        { op: 'add', path: '/webhooks/0/clientConfig', value: { caBundle: current } },
      ],
      updated: ['a'],
    },
    { name: 'no webhooks', config: {}, patch: [], updated: [] },
  ];
  for (const c of cases) {
    const plan = buildCaBundlePatch(c.config, caPem, c.names);
    t.same(plan, { patch: c.patch, updated: c.updated, missing: c.missing ?? [] }, c.name);
  }
});

/** Holds configurations and applies JSON patches (test/add only, which is all the builder emits). */
type StoredConfig = { webhooks: Array<{ name: string; clientConfig?: { caBundle?: string } }> };

class FakeWebhookConfigApi implements WebhookConfigApi {
  readonly configs = new Map<string, StoredConfig>();
  readonly calls: string[] = [];
  beforePatch: (() => void) | undefined;

  async get(kind: WebhookConfigurationKind, name: string) {
    this.calls.push('get');
    const found = this.configs.get(`${kind}/${name}`);
    return found && structuredClone(found);
  }

  async patch(kind: WebhookConfigurationKind, name: string, patch: JsonPatchOperation[]) {
    this.calls.push('patch');
    const hook = this.beforePatch;
    this.beforePatch = undefined;
    hook?.();
    const found = this.configs.get(`${kind}/${name}`);
    if (!found) return 'conflict' as const;
    const copy = structuredClone(found) as Record<string, unknown>;
    for (const op of patch) {
      const parts = op.path.split('/').slice(1);
      const last = parts.pop() ?? '';
      let parent: unknown = copy;
      for (const part of parts) parent = (parent as Record<string, unknown>)[part];
      const target = parent as Record<string, unknown>;
      if (op.op === 'test') {
        if (JSON.stringify(target?.[last]) !== JSON.stringify(op.value)) return 'conflict' as const;
      } else {
        target[last] = op.value;
      }
    }
    this.configs.set(`${kind}/${name}`, copy as StoredConfig);
    return 'patched' as const;
  }
}

const kind = 'ValidatingWebhookConfiguration';
const target = { kind, name: 'pullguard', webhookNames: ['enforce.pullguard.dev', 'warn.pullguard.dev'] } as const;

t.test('reconcile patches once, then finds nothing to do', async (t) => {
  const api = new FakeWebhookConfigApi();
  api.configs.set(
    `${kind}/pullguard`,
    config({ name: 'enforce.pullguard.dev' }, { name: 'warn.pullguard.dev', caBundle: stale }),
  );
  const first = await reconcileCaBundle(api, target, caPem);
  t.same(first, { outcome: 'patched', updated: ['enforce.pullguard.dev', 'warn.pullguard.dev'], missing: [] });
  const stored = api.configs.get(`${kind}/pullguard`);
  t.same(
    stored?.webhooks.map((w) => w.clientConfig?.caBundle),
    [current, current],
  );
  const second = await reconcileCaBundle(api, target, caPem);
  t.same(second, { outcome: 'unchanged', updated: [], missing: [] });
  t.same(api.calls, ['get', 'patch', 'get'], 'no patch when already current');
});

t.test('reconcile re-reads when the list changed under it', async (t) => {
  const api = new FakeWebhookConfigApi();
  api.configs.set(`${kind}/pullguard`, config({ name: 'enforce.pullguard.dev' }, { name: 'warn.pullguard.dev' }));
  // Someone inserts an entry at the front between our read and our patch: index 0 is no longer ours.
  api.beforePatch = () => {
    const stored = api.configs.get(`${kind}/pullguard`);
    stored?.webhooks.unshift({ name: 'audit.pullguard.dev', clientConfig: {} });
  };
  const result = await reconcileCaBundle(api, target, caPem);
  t.equal(result.outcome, 'patched');
  t.same(api.calls, ['get', 'patch', 'get', 'patch']);
  const byName = Object.fromEntries(
    (api.configs.get(`${kind}/pullguard`)?.webhooks ?? []).map((w) => [w.name, w.clientConfig]),
  );
  t.same(byName['audit.pullguard.dev'], {}, 'the entry we were not asked about is untouched');
  t.same(byName['enforce.pullguard.dev'], { caBundle: current });
});

t.test('a missing configuration is reported, not created', async (t) => {
  const api = new FakeWebhookConfigApi();
  t.same(await reconcileCaBundle(api, target, caPem), {
    outcome: 'not-found',
    updated: [],
    missing: ['enforce.pullguard.dev', 'warn.pullguard.dev'],
  });
});

t.test('endless conflicts end in a CertificateError', async (t) => {
  const api = new FakeWebhookConfigApi();
  api.configs.set(`${kind}/pullguard`, config({ name: 'enforce.pullguard.dev' }));
  api.patch = async () => 'conflict';
  await t.rejects(reconcileCaBundle(api, target, caPem, { maxAttempts: 2 }), {
    code: 'CERTIFICATE_ERROR',
    message: /2 attempts conflicted/,
  });
});
