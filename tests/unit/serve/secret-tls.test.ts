import t from 'tap';
import type { WebhookConfigurationKind, WebhookConfigurationLike } from '../../../server/certs/ca-bundle.ts';
import type { WebhookConfigApi } from '../../../server/certs/ca-bundle-reconcile.ts';
import { parseConfigObject } from '../../../server/config/index.ts';
import { createLogger } from '../../../server/log/logger.ts';
import { secretTls } from '../../../server/serve/tls-setup.ts';
import { eventually } from '../../harness/eventually.ts';
import { FakeSecretApi } from '../certs/fake-secret-api.ts';

/** Webhook configurations in memory; a patch is applied by replacing caBundles as the JSON patch says. */
class FakeWebhookConfigs implements WebhookConfigApi {
  readonly configs = new Map<string, WebhookConfigurationLike>();
  readonly patches: string[] = [];

  async get(kind: WebhookConfigurationKind, name: string) {
    return structuredClone(this.configs.get(`${kind}/${name}`));
  }

  async patch(kind: WebhookConfigurationKind, name: string, patch: { op: string; path: string; value?: unknown }[]) {
    const config = this.configs.get(`${kind}/${name}`);
    if (!config) return 'conflict' as const;
    this.patches.push(`${kind}/${name}`);
    for (const op of patch) {
      const match = /^\/webhooks\/(\d+)\/clientConfig\/caBundle$/.exec(op.path);
      const webhook = match ? config.webhooks?.[Number(match[1])] : undefined;
      if (op.op !== 'test' && webhook) webhook.clientConfig = { ...webhook.clientConfig, caBundle: String(op.value) };
    }
    return 'patched' as const;
  }
}

t.test('the Secret source creates the shared Secret, serves it, and fills the caBundle', async (t) => {
  const secrets = new FakeSecretApi();
  const webhooks = new FakeWebhookConfigs();
  webhooks.configs.set('ValidatingWebhookConfiguration/pullguard', {
    webhooks: [{ name: 'enforce.pullguard.dev', clientConfig: {} }],
  } as WebhookConfigurationLike);
  const config = parseConfigObject({ tls: { namespace: 'pullguard-system', secretName: 'pullguard-tls' } });
  const setup = await secretTls({ config, secrets, webhooks, logger: createLogger({ level: 'silent' }) });
  t.teardown(() => setup.close());

  const stored = secrets.secrets.get('pullguard-system/pullguard-tls');
  t.ok(stored, 'the Secret was created');
  t.equal(stored?.data['tls.crt'], setup.context.current.cert, 'the server presents what the Secret holds');
  t.equal(setup.caPem(), stored?.data['ca.crt']);

  const caBundle = await eventually(
    () => webhooks.configs.get('ValidatingWebhookConfiguration/pullguard')?.webhooks?.[0]?.clientConfig?.caBundle,
    { description: 'the caBundle patch' },
  );
  t.equal(Buffer.from(caBundle, 'base64').toString('utf8'), setup.caPem(), 'the caBundle is the CA');
  t.same(webhooks.patches, ['ValidatingWebhookConfiguration/pullguard'], 'a missing Mutating one is left alone');

  // A second replica finds the Secret and serves the same certificate.
  const second = await secretTls({ config, secrets, webhooks, logger: createLogger({ level: 'silent' }) });
  t.teardown(() => second.close());
  t.equal(second.context.current.cert, setup.context.current.cert);
});
