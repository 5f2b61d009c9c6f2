/**
 * Two load generators, both with keep-alive, both recording every latency as a float (ms) so percentiles are not
 * rounded to whole milliseconds:
 *
 * - autocannon (HTTP/1.1, N connections). Its `overallRate` is split into a per-connection quota that refills every
 *   second: each connection sends its quota back to back, then waits for the next second. So "500/s" means bursts
 *   at N concurrent requests, and latency is the latency of those bursts. Coordinated-omission correction is off:
 *   autocannon fills in synthetic samples 1 ms apart, which would flood the histogram with made-up low values.
 * - paced (HTTP/2, one connection with multiplexed streams, as kube-apiserver talks to webhooks): requests start on
 *   an even schedule (open loop); latency runs from when a request was due, so a stall shows in full.
 */
import autocannon from 'autocannon';
import { connectReviewClient } from './review-client.ts';
import { type LatencySummary, summarize } from './stats.ts';

export interface LoadResult {
  /** Latency of every 2xx answer, ms. */
  readonly samples: readonly number[];
  readonly seconds: number;
  /** Answers other than 2xx, and transport errors. */
  readonly failures: number;
  /** CPU seconds the server process used meanwhile, when measured. */
  readonly serverCpuSeconds?: number | undefined;
}

export interface LoadSummary {
  readonly latency: LatencySummary;
  /** Answered requests per second over all runs. */
  readonly throughput: number;
  readonly answered: number;
  readonly failures: number;
  /** Server CPU time per answered request (NaN when not measured). */
  readonly cpuMsPerRequest: number;
}

/** Pools runs of one configuration (interleaved with the baseline's, so both see the same background load). */
export function summarizeLoad(results: readonly LoadResult[]): LoadSummary {
  const samples = results.flatMap((result) => result.samples);
  const seconds = results.reduce((sum, result) => sum + result.seconds, 0);
  const cpuSeconds = results.reduce((sum, result) => sum + (result.serverCpuSeconds ?? Number.NaN), 0);
  return {
    cpuMsPerRequest: samples.length === 0 ? Number.NaN : (cpuSeconds * 1000) / samples.length,
    latency: summarize(samples),
    throughput: seconds === 0 ? Number.NaN : samples.length / seconds,
    answered: samples.length,
    failures: results.reduce((sum, result) => sum + result.failures, 0),
  };
}

export interface AutocannonLoad {
  readonly origin: string;
  readonly path: string;
  readonly body: string;
  readonly caPem: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  readonly overallRate?: number | undefined;
}

export function runAutocannon(load: AutocannonLoad): Promise<LoadResult> {
  const samples: number[] = [];
  let failures = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${load.origin}${load.path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: load.body,
        connections: load.connections,
        duration: load.durationSeconds,
        tlsOptions: { ca: load.caPem },
        timeout: 10,
        ...(load.overallRate === undefined ? {} : { overallRate: load.overallRate, ignoreCoordinatedOmission: true }),
      },
      (error, result) => {
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        resolve({
          samples,
          seconds: Math.min(seconds, result.duration || seconds),
          failures: failures + result.errors,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
      else failures += 1;
    });
  });
}

export interface PacedLoad {
  readonly origin: string;
  readonly path: string;
  readonly body: string;
  readonly caPem: string;
  readonly rate: number;
  readonly durationSeconds: number;
}

/** Open-loop load at `rate` requests/s over one HTTP/2 connection. */
export async function runPaced(load: PacedLoad): Promise<LoadResult> {
  const client = connectReviewClient(load.origin, load.caPem);
  const payload = Buffer.from(load.body);
  const samples: number[] = [];
  let failures = 0;
  const total = Math.round(load.rate * load.durationSeconds);
  const intervalMs = 1000 / load.rate;
  const inFlight = new Set<Promise<void>>();
  try {
    // One request first, so the TLS handshake is not in the figures.
    await client.send(load.path, payload);
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      for (; sent < due; sent += 1) {
        const dueAt = start + sent * intervalMs;
        const request = client.send(load.path, payload).then(
          (answer) => {
            if (answer.status >= 200 && answer.status < 300) samples.push(performance.now() - dueAt);
            else failures += 1;
          },
          () => {
            failures += 1;
          },
        );
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      const next = start + sent * intervalMs;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
    await Promise.all(inFlight);
    return { samples, seconds: (performance.now() - start) / 1000, failures };
  } finally {
    await client.close();
  }
}
