import t from 'tap';
import { DEFAULT_ADMISSION_POLICY } from '../../../server/admission/policy.ts';
import type { CredentialSource } from '../../../server/admission/ports.ts';
import type { Credential } from '../../../server/auth/keyring.ts';
import { defaultConfig } from '../../../server/config/index.ts';
import { buildServer } from '../../../server/http/build-server.ts';
import { reviewFunctionFor } from '../../../server/http/review-function.ts';
import { createLogger } from '../../../server/log/logger.ts';
import { createMetrics } from '../../../server/metrics/metrics.ts';
import { createResolutionStack } from '../../../server/wiring/resolution-stack.ts';
import { createLogSink } from '../../helpers/log-sink.ts';
import { loadReview } from '../admission/helpers/fixtures.ts';
import { postReview } from './helpers/test-server.ts';

// The real registry client and resolver: the address guard refuses link-local metadata addresses before any packet
// leaves, so the image is `unreachable`, which enforce mode admits with a warning by default.
t.test('an image on 169.254.169.254 is refused by the client and admitted with a warning', async (t) => {
  const config = defaultConfig();
  const metrics = createMetrics({ defaultMetrics: false });
  const stack = createResolutionStack(config, { onRequest: (event) => metrics.recordRegistryRequest(event) });
  const credentials: CredentialSource<Credential> = { forPod: () => ({ ok: true, keyring: { lookup: () => [] } }) };
  const log = createLogSink();
  const app = buildServer({
    logger: createLogger({ level: 'info', destination: log.stream }),
    metrics,
    readiness: () => [],
    review: reviewFunctionFor({
      resolver: stack.resolver,
      credentials,
      policy: DEFAULT_ADMISSION_POLICY,
      clusterPlatforms: [],
      deadlineMs: 3000,
    }),
    onClose: [() => stack.close()],
  });
  t.teardown(() => app.close());

  const review = loadReview('pod-create');
  const spec = review.request.object.spec;
  spec.initContainers = [];
  spec.volumes = [];
  spec.containers = [{ name: 'probe', image: '169.254.169.254/latest/meta-data:v1', imagePullPolicy: 'Always' }];
  const reply = await postReview(app, '/validate/enforce', review);
  t.equal(reply.statusCode, 200);
  const response = reply.json().response;
  t.equal(response.allowed, true, 'unreachable is allowed in enforce by default');
  t.ok(Array.isArray(response.warnings) && response.warnings.length > 0, 'with a warning');
  t.match(response.warnings.join('\n'), /169\.254\.169\.254/);
  t.match(
    log.lines().find((line) => line.msg === 'admission review'),
    {
      decision: 'warned',
      findings: [{ outcome: 'unreachable' }],
    },
  );
});
