/**
 * The chart's values stay in step with the configuration schema: values.schema.json is what the generator makes
 * now, values.yaml names every configuration key with pullguard's default, and the ConfigMap template renders
 * exactly the configuration's top-level keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../../server/config/schema.ts';
import { chartValuesProperties } from '../../../tools/chart-values-schema.ts';
import {
  buildChartValuesSchema,
  chartDir,
  chartSchemaPath,
  configKeys,
  derivedKeys,
} from '../../../tools/generate-chart-schema.ts';

type JsonObject = { [key: string]: unknown };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
const values = parseYaml(valuesText) as JsonObject;

/** Every configuration key path with its schema, descending into fixed-key objects (not into maps or lists). */
function configLeaves(properties: JsonObject, prefix = ''): { path: string; schema: JsonObject }[] {
  const leaves: { path: string; schema: JsonObject }[] = [];
  for (const [key, schema] of Object.entries(properties)) {
    if (!isObject(schema)) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isObject(schema.properties)) leaves.push(...configLeaves(schema.properties, path));
    else leaves.push({ path, schema });
  }
  return leaves;
}

function valueAt(root: JsonObject, path: string): { found: boolean; value?: unknown } {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (!isObject(node) || !(part in node)) return { found: false };
    node = node[part];
  }
  return { found: true, value: node };
}

t.test('the committed values.schema.json is what the generator makes from the config schema', async (t) => {
  const committed = JSON.parse(readFileSync(chartSchemaPath, 'utf8')) as unknown;
  t.same(committed, buildChartValuesSchema(), 'out of date: run `npx node tools/generate-chart-schema.ts`');
});

t.test('configuration and chart keys do not clash, and together are the schema', async (t) => {
  const schema = buildChartValuesSchema();
  const properties = Object.keys(schema.properties as JsonObject);
  t.same(properties.sort(), [...configKeys, ...Object.keys(chartValuesProperties)].sort());
  t.same(
    configKeys.filter((key) => key in chartValuesProperties),
    [],
  );
});

t.test('the ConfigMap template renders exactly the configuration keys', async (t) => {
  const helpers = readFileSync(join(chartDir, 'templates', '_helpers.tpl'), 'utf8');
  const match = /define "pullguard\.configKeys" -}}\s*\n([^\n{]+)\n/.exec(helpers);
  t.ok(match, 'pullguard.configKeys is defined');
  t.same(match?.[1]?.trim().split(/\s+/), configKeys);
});

t.test('values.yaml names every configuration key with its default', async (t) => {
  for (const { path, schema } of configLeaves(configSchema.properties as unknown as JsonObject)) {
    const { found, value } = valueAt(values, path);
    const derived = derivedKeys[path];
    if (derived) {
      t.same(value, derived.chartDefault, `${path}: empty, the chart derives it`);
    } else if ('default' in schema) {
      t.ok(found, `${path} is in values.yaml`);
      t.same(value, schema.default, `${path} defaults to pullguard's default`);
    } else {
      // Optional keys without a default (a file path, a port that is off when unset) are shown commented out.
      const key = path.split('.').at(-1) ?? path;
      t.notOk(found, `${path} has no default, so values.yaml leaves it unset`);
      t.match(valuesText, new RegExp(`^\\s*# ${key}: `, 'm'), `${path} is shown, commented out`);
    }
  }
});

t.test('values.yaml is valid against values.schema.json', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(buildChartValuesSchema());
  t.ok(validate(values), JSON.stringify(validate.errors));
});

const badValues: [string, JsonObject, RegExp][] = [
  ['a configuration key below its minimum', { controller: { imagePullAttempts: 0 } }, /imagePullAttempts/],
  ['a misspelt configuration key', { admission: { unreachabel: 'deny' } }, /unreachabel/],
  ['a chart key of the wrong type', { replicaCount: 'two' }, /replicaCount/],
  ['an unknown top-level key', { replicas: 2 }, /replicas/],
  ['a webhook URL that is not https', { admissionWebhooks: { url: 'http://10.0.0.1:8443' } }, /url/],
];

t.test('bad values are rejected by the schema', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(buildChartValuesSchema());
  for (const [name, patch, expected] of badValues) {
    const merged = merge(values, patch);
    t.notOk(validate(merged), name);
    t.match(JSON.stringify(validate.errors), expected, `${name}: the error names the key`);
  }
});

function merge(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  return { ...base, ...Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, merge(base[k], v)])) };
}
