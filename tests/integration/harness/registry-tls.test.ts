/** The TLS variants: HTTPS with a per-run CA (SANs 127.0.0.1 and localhost), for the registry and its token issuer. */
import t from 'tap';
import { pushImage } from '../../harness/push.ts';
import { useRegistry } from '../../harness/registry.ts';
import { fetchRegistryToken } from '../../harness/registry-auth.ts';
import { FULL_MANIFEST_ACCEPT, sendRequest } from '../../harness/registry-http.ts';

t.test('no auth over HTTPS: trusted with the CA, refused without it', async (t) => {
  const registry = await useRegistry(t, { tls: true });
  t.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.match(registry.caPem, /^-----BEGIN CERTIFICATE-----/);
  const pushed = await pushImage(registry, { repository: 'secure/app' });
  for (const host of [registry.host, registry.host.replace('127.0.0.1', 'localhost')]) {
    const response = await sendRequest({
      method: 'HEAD',
      url: `https://${host}/v2/secure/app/manifests/latest`,
      headers: { accept: FULL_MANIFEST_ACCEPT },
      caPem: registry.caPem,
    });
    t.equal(response.header('docker-content-digest'), pushed.digest, host);
  }
  await t.rejects(sendRequest({ url: `${registry.url}/v2/` }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  await t.rejects(fetch(`${registry.url}/v2/`), 'node fetch without the CA fails');
  const plain = await sendRequest({ url: `http://${registry.host}/v2/` });
  t.equal(plain.status, 400, 'plain HTTP to the HTTPS port');
});

t.test('token auth over HTTPS: the issuer is HTTPS with the same CA', async (t) => {
  const registry = await useRegistry(t, { auth: 'token', tls: true, publicRepositories: ['public/'] });
  const issuer = registry.tokenIssuer;
  t.match(issuer?.url, /^https:\/\/127\.0\.0\.1:\d+\/token$/);
  const pushed = await pushImage(registry, { repository: 'public/app' });
  const challenge = await sendRequest({ url: `${registry.url}/v2/`, caPem: registry.caPem });
  t.equal(challenge.status, 401);
  t.match(challenge.header('www-authenticate'), `Bearer realm="${issuer?.url}"`);
  const token = await fetchRegistryToken(registry, ['repository:public/app:pull'], null);
  const response = await sendRequest({
    method: 'HEAD',
    url: `${registry.url}/v2/public/app/manifests/latest`,
    headers: { accept: FULL_MANIFEST_ACCEPT, authorization: `Bearer ${token}` },
    caPem: registry.caPem,
  });
  t.equal(response.header('docker-content-digest'), pushed.digest);
});

t.test('htpasswd over HTTPS', async (t) => {
  const registry = await useRegistry(t, { auth: 'htpasswd', tls: true });
  const pushed = await pushImage(registry, { repository: 'team/app', format: 'oci' });
  t.equal(pushed.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const response = await sendRequest({ url: `${registry.url}/v2/`, caPem: registry.caPem });
  t.equal(response.header('www-authenticate'), 'Basic realm="registry"');
});
