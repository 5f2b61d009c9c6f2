/** The machine a run happened on, printed with every result (figures mean little without it). */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  readonly node: string;
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly memoryMb: number;
  readonly os: string;
  /** 1-minute load average when the run started: a busy shared machine shows here. */
  readonly loadAverage: number;
  /** `abc1234` (+ `-dirty` with uncommitted changes), or '' outside a git checkout. */
  readonly commit: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    node: process.version,
    cpuCount: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryMb: Math.round(totalmem() / (1024 * 1024)),
    os: `${type()} ${release()}`,
    loadAverage: loadavg()[0] ?? 0,
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return '';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() === '' ? '' : '-dirty'}`;
}

export function formatMachine(machine: Machine): string {
  return [
    `Node ${machine.node}`,
    `${machine.cpuCount} × ${machine.cpuModel}`,
    `${(machine.memoryMb / 1024).toFixed(1)} GiB RAM`,
    machine.os,
    `load ${machine.loadAverage.toFixed(2)} at start`,
    ...(machine.commit === '' ? [] : [`commit ${machine.commit}`]),
  ].join(', ');
}
