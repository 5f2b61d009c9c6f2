import t from 'tap';
import { ReviewDecodeError } from '../../../server/admission/decode-review.ts';
import {
  allowed,
  complete,
  decodeFailureReview,
  denied,
  errored,
  patched,
  withAuditAnnotations,
  withWarnings,
} from '../../../server/admission/response.ts';

const request = { uid: 'u-1', apiVersion: 'admission.k8s.io/v1' } as const;

t.test('complete copies uid and apiVersion', async (t) => {
  t.same(complete(allowed(), request), {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'u-1', allowed: true },
  });
  t.equal(
    complete(allowed(), { uid: 'u-2', apiVersion: 'admission.k8s.io/v1beta1' }).apiVersion,
    'admission.k8s.io/v1beta1',
  );
});

t.test('denied is 403 Forbidden with the message; other codes carry no reason', async (t) => {
  t.same(denied('nope'), { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'nope' } });
  t.same(denied('nope', 422), { allowed: false, status: { code: 422, message: 'nope' } });
});

t.test('errored carries the code', async (t) => {
  t.same(errored(500, 'boom'), { allowed: false, status: { code: 500, message: 'boom' } });
});

t.test('warnings and audit annotations are added only when there are some', async (t) => {
  t.same(withWarnings(allowed(), []), { allowed: true });
  t.same(withWarnings(withWarnings(allowed(), ['a']), ['', 'b']), { allowed: true, warnings: ['a', 'b'] });
  t.same(withAuditAnnotations(allowed(), {}), { allowed: true });
  t.same(withAuditAnnotations(withAuditAnnotations(allowed(), { a: '1' }), { b: '2' }), {
    allowed: true,
    auditAnnotations: { a: '1', b: '2' },
  });
});

t.test('patched encodes the JSON Patch as base64 with patchType JSONPatch', async (t) => {
  const operations = [{ op: 'add', path: '/metadata/annotations/a', value: 'b' }] as const;
  const draft = patched(operations);
  t.equal(draft.allowed, true);
  t.equal(draft.patchType, 'JSONPatch');
  t.same(JSON.parse(Buffer.from(draft.patch ?? '', 'base64').toString('utf8')), operations);
  t.same(patched([]), { allowed: true }, 'no operations, no patch');
});

t.test('a decode failure becomes a 400 review only when the uid is known', async (t) => {
  const known = decodeFailureReview(
    new ReviewDecodeError('invalid AdmissionReview: kind', 'u-9', 'admission.k8s.io/v1beta1'),
  );
  t.same(known, {
    apiVersion: 'admission.k8s.io/v1beta1',
    kind: 'AdmissionReview',
    response: { uid: 'u-9', allowed: false, status: { code: 400, message: 'invalid AdmissionReview: kind' } },
  });
  t.equal(decodeFailureReview(new ReviewDecodeError('x', undefined, undefined)), undefined);
  t.equal(decodeFailureReview(new ReviewDecodeError('x', 'u', undefined))?.apiVersion, 'admission.k8s.io/v1');
});
