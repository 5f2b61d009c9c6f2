import { readFileSync } from 'node:fs';
import t from 'tap';
import { configReference, metricsReference, renderReadme } from '../../../tools/readme-reference.ts';

t.test('the README references match the schema and the metrics (npx node tools/readme-reference.ts)', async (t) => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  t.equal(readme, await renderReadme(readme), 'README.md is up to date');
});

t.test('the references name every key and metric', async (t) => {
  const config = configReference();
  for (const key of ['controller.imagePullAttempts', 'admission.ownedPods', 'registries.hosts.<host>.mirrors[].url']) {
    t.match(config, `\`${key}\``);
  }
  const metrics = await metricsReference();
  t.match(metrics, '`pullguard_admission_reviews_total` | counter | mode, kind, decision');
});
