import t from 'tap';
import type { CredentialSource } from '../../../server/admission/ports.ts';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { type FakeCredential, ScriptedResolver } from './helpers/fakes.ts';
import { buildTestServer, postReview } from './helpers/test-server.ts';

const POD_UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

t.test('a review function that throws becomes a 500 errored review with the uid', async (t) => {
  const { app, log, metrics } = buildTestServer({
    review: async () => {
      throw new Error('something inside broke at /srv/secret/path');
    },
  });
  t.teardown(() => app.close());
  const reply = await postReview(app, '/validate/enforce', loadReview('pod-create'));
  t.equal(reply.statusCode, 500, 'non-2xx, so the API server applies the failurePolicy');
  const body = reply.json();
  t.equal(body.kind, 'AdmissionReview');
  t.equal(body.apiVersion, 'admission.k8s.io/v1');
  t.equal(body.response.uid, POD_UID);
  t.equal(body.response.allowed, false);
  t.equal(body.response.status.code, 500);
  t.match(body.response.status.message, /internal error/);
  t.notMatch(reply.body, /\/srv\/secret\/path|\.ts:\d+/, 'neither the inner message nor a stack reaches the client');

  const failure = log.lines().find((line) => line.msg === 'admission request failed');
  t.ok(failure, 'logged');
  t.equal(failure?.level, 'error');
  t.equal(failure?.uid, POD_UID);
  t.match((failure?.err as { message?: string } | undefined)?.message, /something inside broke/);
  t.match(await metrics.render(), /decision="errored"\} 1/);

  const after = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(after.statusCode, 200, 'the server carries on');
});

t.test('a dependency that throws after decoding becomes an errored review', async (t) => {
  const throwingCredentials: CredentialSource<FakeCredential> = {
    forPod: () => {
      throw new Error('informer cache exploded');
    },
  };
  const cases = [
    { name: 'resolver', options: { resolver: new ScriptedResolver('throw') } },
    { name: 'credential source', options: { credentials: throwingCredentials } },
  ];
  for (const { name, options } of cases) {
    const { app, log } = buildTestServer(options);
    t.teardown(() => app.close());
    for (const path of ['/validate/enforce', '/validate/warn', '/mutate/annotate']) {
      const reply = await postReview(app, path, loadReview('pod-create'));
      const body = reply.json();
      t.equal(body.kind, 'AdmissionReview', `${name} ${path}: a review`);
      t.equal(body.response.uid, POD_UID, `${name} ${path}: uid`);
      if (reply.statusCode === 200) {
        // examine-images may settle a failing lookup as `unreachable` for that image: still a proper answer.
        t.type(body.response.allowed, 'boolean');
      } else {
        t.equal(reply.statusCode, 500, `${name} ${path}: errored`);
        t.equal(body.response.status.code, 500);
        t.equal(body.response.allowed, false);
      }
    }
    t.ok(
      log.lines().every((line) => line.level !== 'fatal'),
      `${name}: nothing fatal logged`,
    );
  }
});

t.test('an AdmissionReview observer that throws does not change the answer', async (t) => {
  const { app } = buildTestServer({
    deps: {
      onReview: () => {
        throw new Error('observer broke');
      },
    },
  });
  t.teardown(() => app.close());
  const reply = await postReview(app, '/validate/enforce', loadReview('pod-create'));
  t.equal(reply.statusCode, 200);
  t.equal(reply.json().response.allowed, true);
});
