/**
 * Where a CPU profile (`node --cpu-prof`, written by `npm run bench -- --cpu-prof`) spends its time: self time by
 * area (pullguard's folders, each npm package, Node's internals, GC, idle) and by function.
 *
 *   npx node bench/support/profile-summary.ts FILE.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface TimeShare {
  readonly name: string;
  readonly ms: number;
  /** Of all sampled time, idle included. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Sampled time minus `(idle)`: what the process actually spent. */
  readonly busyMs: number;
  readonly byArea: readonly TimeShare[];
  readonly byFunction: readonly TimeShare[];
  /** Time in a function and everything it called (counted once per stack, so recursion does not double it). */
  readonly byFunctionTotal: readonly TimeShare[];
}

/** The area a function belongs to, from its script URL. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) {
    const module = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${module.split('/')[0] ?? module}`;
  }
  const packages = url.split('/node_modules/');
  if (packages.length > 1) {
    const rest = packages[packages.length - 1] ?? '';
    const parts = rest.split('/');
    return (rest.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
  }
  const ours = /\/(server|bench|bin)\/(?:([^/]+)\/)?[^/]+$/.exec(url);
  if (ours) return ours[2] === undefined ? (ours[1] ?? url) : `${ours[1]}/${ours[2]}`;
  return url;
}

/** Self time per node: each sample's following time delta, as Chrome DevTools attributes it. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    for (let index = 0; index < samples.length; index += 1) {
      const id = samples[index] ?? 0;
      const delta = deltas[index + 1] ?? 0;
      times.set(id, (times.get(id) ?? 0) + delta / 1000);
    }
    return times;
  }
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const perHit = hits === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / hits;
  for (const node of profile.nodes) times.set(node.id, (node.hitCount ?? 0) * perHit);
  return times;
}

function ranked(totals: Map<string, number>, totalMs: number, top: number): TimeShare[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, percent: totalMs === 0 ? 0 : (100 * ms) / totalMs }));
}

function functionLabel(node: CpuProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|server|bench)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

/** Inclusive time per function label: each node's subtree, skipping labels already on the stack. */
function totalTimes(profile: CpuProfile, self: Map<number, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const totals = new Map<string, number>();
  const visit = (node: CpuProfileNode, onStack: Set<string>): number => {
    const label = functionLabel(node);
    const fresh = !onStack.has(label);
    if (fresh) onStack.add(label);
    let sum = self.get(node.id) ?? 0;
    for (const id of node.children ?? []) {
      const child = byId.get(id);
      if (child !== undefined) sum += visit(child, onStack);
    }
    if (fresh) {
      onStack.delete(label);
      totals.set(label, (totals.get(label) ?? 0) + sum);
    }
    return sum;
  };
  for (const node of profile.nodes) if (!childIds.has(node.id)) visit(node, new Set());
  return totals;
}

export function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const times = selfTimes(profile);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const node of profile.nodes) {
    const ms = times.get(node.id) ?? 0;
    if (ms === 0) continue;
    totalMs += ms;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') idleMs += ms;
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    const name = functionLabel(node);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const inclusive = totalTimes(profile, times);
  inclusive.delete('(root)');
  return {
    totalMs,
    busyMs: totalMs - idleMs,
    byArea: ranked(byArea, totalMs, top),
    byFunction: ranked(byFunction, totalMs, top),
    byFunctionTotal: ranked(inclusive, totalMs, top),
  };
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const line = (share: TimeShare) =>
    `${share.ms.toFixed(0).padStart(8)} ms ${share.percent.toFixed(1).padStart(5)} %  ${share.name}`;
  return [
    `sampled ${summary.totalMs.toFixed(0)} ms, busy ${summary.busyMs.toFixed(0)} ms`,
    '',
    'self time by area:',
    ...summary.byArea.map(line),
    '',
    'self time by function:',
    ...summary.byFunction.map(line),
    '',
    'total time by function (self + callees):',
    ...summary.byFunctionTotal.map(line),
  ].join('\n');
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
  const top = values.top === undefined ? 25 : Number(values.top);
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    process.stdout.write(`${file}\n${formatProfileSummary(summarizeProfile(profile, top))}\n\n`);
  }
}
