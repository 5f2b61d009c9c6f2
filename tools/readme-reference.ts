/**
 * The README's configuration and metrics references are generated, not hand-copied: from the configuration's JSON
 * Schema (server/config/schema.ts) and from the metrics pullguard registers (server/metrics/metrics.ts).
 * `npx node tools/readme-reference.ts` rewrites the marked sections of README.md; a unit test fails when they are
 * out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../server/config/schema.ts';
import { createMetrics } from '../server/metrics/metrics.ts';

interface SchemaNode {
  type?: string | readonly string[];
  enum?: readonly unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  const base = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'object');
  const range =
    node.minimum !== undefined || node.maximum !== undefined
      ? ` (${node.minimum ?? ''}…${node.maximum ?? ''})`.replace('(…', '(≤ ').replace('…)', ' or more)')
      : '';
  return `${base}${range}`;
}

function defaultOf(node: SchemaNode): string {
  if (node.default === undefined || (typeof node.default === 'object' && node.properties)) return '';
  return `\`${JSON.stringify(node.default)}\``;
}

function rows(node: SchemaNode, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.properties) {
      rows(child, path, out);
      continue;
    }
    if (typeof child.additionalProperties === 'object') {
      out.push(`| \`${path}\` | map of host → settings below | \`{}\` | ${child.description ?? ''} |`);
      rows(child.additionalProperties, `${path}.<host>`, out);
      continue;
    }
    if (child.type === 'array' && child.items?.properties) {
      out.push(`| \`${path}\` | list | ${defaultOf(child)} | ${child.description ?? ''} |`);
      rows(child.items, `${path}[]`, out);
      continue;
    }
    out.push(`| \`${path}\` | ${typeOf(child)} | ${defaultOf(child)} | ${child.description ?? ''} |`);
  }
}

export function configReference(): string {
  const out = ['| key | type | default | meaning |', '| --- | --- | --- | --- |'];
  rows(configSchema as unknown as SchemaNode, '', out);
  return out.join('\n');
}

export async function metricsReference(): Promise<string> {
  const metrics = createMetrics({ defaultMetrics: false });
  const out = ['| metric | type | labels | meaning |', '| --- | --- | --- | --- |'];
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, help, labelNames, get } = metric as unknown as {
      name: string;
      help: string;
      labelNames?: string[];
      get(): Promise<{ type: string }>;
    };
    const { type } = await get.call(metric);
    out.push(`| \`${name}\` | ${type} | ${(labelNames ?? []).join(', ')} | ${help} |`);
  }
  return out.join('\n');
}

export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

export async function renderReadme(text: string): Promise<string> {
  const withConfig = replaceSection(text, 'config-reference', configReference());
  return replaceSection(withConfig, 'metrics-reference', await metricsReference());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, await renderReadme(readFileSync(path, 'utf8')));
  console.log('README.md references regenerated');
}
