import t from 'tap';
import { decodeReview, ReviewDecodeError } from '../../../server/admission/decode-review.ts';
import { AdmissionDecodeError } from '../../../server/errors.ts';
import { loadReview, type Review } from './helpers/fixtures.ts';

t.test('a v1 Pod CREATE decodes with every field the handler reads', async (t) => {
  const review = decodeReview(loadReview('pod-create'));
  t.equal(review.apiVersion, 'admission.k8s.io/v1');
  t.same(review.request.kind, { group: '', version: 'v1', kind: 'Pod' });
  t.same(review.request.resource, { group: '', version: 'v1', resource: 'pods' });
  t.equal(review.request.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
  t.equal(review.request.operation, 'CREATE');
  t.equal(review.request.namespace, 'team-a');
  t.equal(review.request.subResource, '');
  t.equal(review.request.dryRun, false);
  t.equal(review.request.oldObject, null);
  t.equal(review.request.userInfo.username, 'alice@example.com');
  t.match(review.request.object, { metadata: { name: 'api' } });
});

t.test('v1beta1 is accepted and remembered', async (t) => {
  t.equal(decodeReview(loadReview('pod-create-v1beta1')).apiVersion, 'admission.k8s.io/v1beta1');
});

t.test('optional fields default: subresource, namespace, dryRun, userInfo, DELETE without object', async (t) => {
  const body = loadReview('pod-delete');
  delete body.request.userInfo;
  delete body.request.dryRun;
  const review = decodeReview(body);
  t.equal(review.request.object, null);
  t.equal(review.request.dryRun, false);
  t.equal(review.request.userInfo.username, '');
  const sub = decodeReview(loadReview('pod-ephemeralcontainers'));
  t.equal(sub.request.subResource, 'ephemeralcontainers');
});

t.test('a strange userInfo is ignored, a long username cut', async (t) => {
  const body = loadReview('pod-create');
  body.request.userInfo = { username: 'x'.repeat(5000) };
  t.equal(decodeReview(body).request.userInfo.username.length, 512);
  body.request.userInfo = 'alice';
  t.equal(decodeReview(body).request.userInfo.username, '');
});

/** `edit` changes the body in place, or returns a replacement. */
const bad: { name: string; edit: (body: Review) => Review | undefined; field: RegExp; uidKnown: boolean }[] = [
  { name: 'not an object', edit: () => [], field: /body: must be a JSON object, got array/, uidKnown: false },
  { name: 'null', edit: () => null, field: /body: must be a JSON object, got null/, uidKnown: false },
  { name: 'a string', edit: () => 'AdmissionReview', field: /got string/, uidKnown: false },
  {
    name: 'unknown apiVersion',
    edit: (b) => ({ ...b, apiVersion: 'admission.k8s.io/v2' }),
    field: /apiVersion: must be one of .* got "admission.k8s.io\/v2"/,
    uidKnown: false,
  },
  { name: 'missing apiVersion', edit: (b) => ({ ...b, apiVersion: undefined }), field: /apiVersion/, uidKnown: false },
  {
    name: 'wrong kind',
    edit: (b) => ({ ...b, kind: 'Pod' }),
    field: /kind: must be "AdmissionReview", got "Pod"/,
    uidKnown: true,
  },
  {
    name: 'no request',
    edit: (b) => ({ ...b, request: undefined }),
    field: /request: must be an object/,
    uidKnown: false,
  },
  {
    name: 'request is an array',
    edit: (b) => ({ ...b, request: [] }),
    field: /request: must be an object, got array/,
    uidKnown: false,
  },
  {
    name: 'missing uid',
    edit: (b) => {
      delete b.request.uid;
    },
    field: /request\.uid: must be a non-empty string/,
    uidKnown: false,
  },
  {
    name: 'empty uid',
    edit: (b) => {
      b.request.uid = '';
    },
    field: /request\.uid/,
    uidKnown: false,
  },
  {
    name: 'numeric uid',
    edit: (b) => {
      b.request.uid = 42;
    },
    field: /request\.uid/,
    uidKnown: false,
  },
  {
    name: 'uid with control characters',
    edit: (b) => {
      b.request.uid = 'a\u0000b';
    },
    field: /request\.uid/,
    uidKnown: false,
  },
  {
    name: 'huge uid',
    edit: (b) => {
      b.request.uid = 'u'.repeat(10_000);
    },
    field: /request\.uid/,
    uidKnown: false,
  },
  {
    name: 'unknown operation',
    edit: (b) => {
      b.request.operation = 'PATCH';
    },
    field: /request\.operation: must be one of CREATE, UPDATE, DELETE, CONNECT, got "PATCH"/,
    uidKnown: true,
  },
  {
    name: 'CREATE without object',
    edit: (b) => {
      b.request.object = null;
    },
    field: /request\.object: must be an object for CREATE/,
    uidKnown: true,
  },
  {
    name: 'object is a string',
    edit: (b) => {
      b.request.object = 'pod';
    },
    field: /request\.object: must be an object or null, got string/,
    uidKnown: true,
  },
  {
    name: 'oldObject is an array',
    edit: (b) => {
      b.request.oldObject = [];
    },
    field: /request\.oldObject: must be an object or null, got array/,
    uidKnown: true,
  },
  {
    name: 'kind missing',
    edit: (b) => {
      delete b.request.kind;
    },
    field: /request\.kind: must be an object, got undefined/,
    uidKnown: true,
  },
  {
    name: 'kind.kind a number',
    edit: (b) => {
      b.request.kind.kind = 7;
    },
    field: /request\.kind\.kind: must be a non-empty string, got number/,
    uidKnown: true,
  },
  {
    name: 'resource missing',
    edit: (b) => {
      delete b.request.resource;
    },
    field: /request\.resource: must be an object/,
    uidKnown: true,
  },
  {
    name: 'resource.resource empty',
    edit: (b) => {
      b.request.resource.resource = '';
    },
    field: /request\.resource\.resource/,
    uidKnown: true,
  },
  {
    name: 'subResource a number',
    edit: (b) => {
      b.request.subResource = 1;
    },
    field: /request\.subResource: must be a string, got number/,
    uidKnown: true,
  },
  {
    name: 'namespace too long',
    edit: (b) => {
      b.request.namespace = 'n'.repeat(300);
    },
    field: /request\.namespace: longer than 253/,
    uidKnown: true,
  },
  {
    name: 'dryRun a string',
    edit: (b) => {
      b.request.dryRun = 'true';
    },
    field: /request\.dryRun: must be a boolean, got string/,
    uidKnown: true,
  },
];

for (const { name, edit, field, uidKnown } of bad) {
  t.test(`refused: ${name}`, async (t) => {
    const original = loadReview('pod-create');
    const replaced = edit(original);
    const body = replaced === undefined ? original : replaced;
    const error = t.throws(() => decodeReview(body)) as unknown;
    t.ok(error instanceof ReviewDecodeError, 'a ReviewDecodeError');
    t.ok(error instanceof AdmissionDecodeError, 'an AdmissionDecodeError (HTTP 400)');
    if (!(error instanceof ReviewDecodeError)) return;
    t.equal(error.code, 'ADMISSION_DECODE');
    t.equal(error.httpStatus, 400);
    t.match(error.message, field);
    t.equal(error.uid !== undefined, uidKnown, uidKnown ? 'the uid is kept for the 400 review' : 'no uid');
  });
}

t.test('error messages stay short and escaped for hostile values', async (t) => {
  const body = loadReview('pod-create');
  body.request.operation = `\u001b[31m${'x'.repeat(10_000)}`;
  const error = t.throws(() => decodeReview(body)) as Error;
  t.ok(error.message.length < 300, `message length ${error.message.length}`);
  t.notOk(error.message.includes('\u001b'), 'no raw escape character');
});
