/** Resident memory of a process from /proc/PID/status (Linux), for servers the benchmark runs as children. */
import { readFileSync } from 'node:fs';

export interface MemoryUse {
  /** VmRSS: resident now. */
  readonly rssMb: number;
  /** VmHWM: the highest resident size so far. */
  readonly peakRssMb: number;
}

/** Parses the `VmRSS:  123456 kB` and `VmHWM:` lines; undefined when either is missing. */
export function parseProcStatus(text: string): MemoryUse | undefined {
  const field = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  };
  const rssMb = field('VmRSS');
  const peakRssMb = field('VmHWM');
  return rssMb === undefined || peakRssMb === undefined ? undefined : { rssMb, peakRssMb };
}

export function readMemoryUse(pid: number): MemoryUse {
  const use = parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (use === undefined) throw new Error(`no VmRSS/VmHWM in /proc/${pid}/status`);
  return use;
}

/**
 * CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat fields 14 and 15. The command
 * name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function parseProcStat(text: string, ticksPerSecond: number): number | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / ticksPerSecond : undefined;
}

/** Linux reports CPU time in USER_HZ ticks: 100 per second on every architecture Node supports. */
const USER_HZ = 100;

export function readCpuSeconds(pid: number): number {
  const seconds = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), USER_HZ);
  if (seconds === undefined) throw new Error(`cannot read CPU times from /proc/${pid}/stat`);
  return seconds;
}
