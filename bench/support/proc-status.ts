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
