import { examineImages } from '../admission/examine-images.ts';
import { compileExemptions } from '../admission/exemptions.ts';
import type { ImageFinding } from '../admission/findings.ts';
import { parsePlatform } from '../admission/platforms.ts';
import { collectImages } from '../admission/pod-specs.ts';
import type { CredentialSource, ImageResolver } from '../admission/ports.ts';
import type { Credential } from '../auth/keyring.ts';
import type { Config } from '../config/config.ts';
import { defaultConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import type { Outcome, Platform } from '../registry/types.ts';
import { createResolutionStack, credentialsFor } from '../wiring/resolution-stack.ts';
import { podKeyringFrom, readPullSecrets } from './credentials.ts';
import { type CliIo, ExitCode, printLine } from './io.ts';
import { loadConfig } from './load-config.ts';
import { outputFormat, parseOptions } from './parse-options.ts';
import { readObjects } from './read-documents.ts';

export const checkUsage = `Usage: pullguard check [options] [--] IMAGE...
       pullguard check [options] -f FILE|-

Resolves every image as admission would and prints one line per image: its outcome
(present, absent, invalid, platform-missing, unauthorized, unreachable, skipped) and
the registry's answer. With -f, reads every pod-bearing object (Pod, Deployment,
StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate,
List) of a multi-document YAML/JSON file, or of standard input for '-'.

Options:
  -f, --filename FILE        manifests to check (repeatable)
      --pull-secret FILE     a Secret as 'kubectl get secret -o yaml' prints it (repeatable, in order)
      --docker-config FILE   a docker config.json whose credentials are tried after the pull secrets
      --platform OS/ARCH     node platform an index must serve (repeatable; default: the config's clusterPlatforms)
      --config FILE          pullguard's configuration file (registries, mirrors, exemptions)
      --insecure-registry H  talk plain HTTP to registry host H (repeatable)
      --timeout SECONDS      overall deadline (default 30)
  -o, --output text|json     one JSON object per line with -o json

Exit status: 0 all present, 1 something absent/invalid/platform-missing,
3 only undecidable results (unauthorized/unreachable), 2 usage or unreadable input.`;

interface Target {
  /** `Deployment/web` for objects from files; '' for images given as arguments. */
  readonly label: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly object: Record<string, unknown>;
}

const rejecting: ReadonlySet<Outcome> = new Set(['absent', 'invalid', 'platform-missing']);
const undecidable: ReadonlySet<Outcome> = new Set(['unauthorized', 'unreachable']);

function platformsFrom(values: readonly string[] | undefined, config: Config): Platform[] {
  const texts = values && values.length > 0 ? values : config.admission.clusterPlatforms;
  return texts.map((text) => {
    const platform = parsePlatform(text);
    if (!platform) throw new UsageError(`--platform must look like os/arch[/variant], not ${JSON.stringify(text)}`);
    return platform;
  });
}

/** Images given as arguments become the containers of one synthetic Pod, so they take the same path as manifests. */
function targetForImages(images: readonly string[]): Target {
  const containers = images.map((image, index) => ({ name: `arg${index}`, image }));
  return { label: '', apiVersion: 'v1', kind: 'Pod', object: { apiVersion: 'v1', kind: 'Pod', spec: { containers } } };
}

function targetsForObjects(objects: readonly Record<string, unknown>[]): Target[] {
  return objects.flatMap((object) => {
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [];
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const name = typeof metadata.name === 'string' ? metadata.name : '(unnamed)';
    return [{ label: `${kind}/${name}`, apiVersion, kind, object }];
  });
}

function groupVersionKind(target: Target): { group: string; version: string; kind: string } {
  const slash = target.apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: target.apiVersion, kind: target.kind }
    : { group: target.apiVersion.slice(0, slash), version: target.apiVersion.slice(slash + 1), kind: target.kind };
}

function progressReporter(io: CliIo, total: number): { tick(): void; done(): void } {
  if (!io.stderr.isTTY || total < 5) return { tick: () => {}, done: () => {} };
  let finished = 0;
  return {
    tick: () => {
      finished += 1;
      io.stderr.write(`\rresolving images: ${finished}/${total}`);
    },
    done: () => io.stderr.write('\r\u001b[K'),
  };
}

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(argv, {
    filename: { type: 'string', short: 'f', multiple: true },
    'pull-secret': { type: 'string', multiple: true },
    'docker-config': { type: 'string' },
    platform: { type: 'string', multiple: true },
    config: { type: 'string' },
    'insecure-registry': { type: 'string', multiple: true },
    timeout: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    printLine(io.stdout, checkUsage);
    return ExitCode.ok;
  }
  const format = outputFormat(values.output);
  const files = values.filename ?? [];
  if ((files.length === 0) === (positionals.length === 0)) {
    throw new UsageError(files.length === 0 ? 'name at least one IMAGE or -f FILE' : 'give IMAGEs or -f, not both');
  }
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout takes seconds > 0');

  const config = values.config === undefined ? defaultConfig() : loadConfig(values.config);
  const platforms = platformsFrom(values.platform, config);
  const targets = positionals.length > 0 ? [targetForImages(positionals)] : [];
  for (const file of files) targets.push(...targetsForObjects(await readObjects(file, io.stdin)));
  const pullSecrets = podKeyringFrom(await readPullSecrets(values['pull-secret'] ?? [], io.stdin));
  const stack = createResolutionStack(
    values['docker-config'] === undefined
      ? config
      : { ...config, credentials: { dockerConfigFile: values['docker-config'] } },
    { insecureHosts: values['insecure-registry'] },
  );
  const credentialSource: CredentialSource<Credential> = {
    forPod: () =>
      pullSecrets.error
        ? { ok: false, error: { message: pullSecrets.error.message } }
        : { ok: true, keyring: { lookup: (name) => credentialsFor(name, pullSecrets.keyring, stack.staticKeyring) } },
  };

  const collected = targets.map((target) => ({
    target,
    collection: collectImages({
      kind: groupVersionKind(target),
      subResource: '',
      object: target.object,
      oldObject: null,
      limit: Number.MAX_SAFE_INTEGER,
    }),
  }));
  const progress = progressReporter(
    io,
    collected.reduce((sum, { collection }) => sum + collection.entries.length, 0),
  );
  const resolver: ImageResolver<Credential> = {
    resolve: async (request) => {
      const resolution = await stack.resolver.resolve(request);
      progress.tick();
      return resolution;
    },
  };
  const signal = AbortSignal.timeout(timeoutSeconds * 1000);
  const outcomes: Outcome[] = [];
  try {
    const results = await Promise.all(
      collected.map(async ({ target, collection }) => {
        if (!collection.spec) return { target, findings: [] as readonly ImageFinding[], problems: [] };
        const examination = await examineImages({
          spec: collection.spec,
          entries: collection.entries,
          namespace: 'default',
          resolver,
          credentials: credentialSource,
          exemptions: compileExemptions(config.admission.exemptImages),
          clusterPlatforms: platforms,
          signal,
          deadlineMs: timeoutSeconds * 1000,
        });
        return { target, findings: examination.findings, problems: examination.pullSecretProblems };
      }),
    );
    progress.done();
    for (const { target, findings, problems } of results) {
      for (const problem of problems) {
        outcomes.push('invalid');
        const where = target.label ? `${target.label} ${problem.fieldPath}` : problem.fieldPath;
        if (format === 'json')
          printLine(io.stdout, JSON.stringify({ object: target.label || null, error: problem.message }));
        else printLine(io.stdout, `${'invalid'.padEnd(16)} ${where}: ${problem.message}`);
      }
      for (const finding of findings) {
        outcomes.push(finding.outcome);
        printFinding(io, format, target, finding);
      }
    }
  } finally {
    await stack.close();
  }
  if (outcomes.length === 0) printLine(io.stderr, 'pullguard check: no images found');
  if (outcomes.some((outcome) => rejecting.has(outcome))) return ExitCode.rejected;
  if (outcomes.some((outcome) => undecidable.has(outcome))) return ExitCode.undecidable;
  return ExitCode.ok;
}

function printFinding(io: CliIo, format: 'text' | 'json', target: Target, finding: ImageFinding): void {
  const image = finding.entry.state === 'set' ? finding.entry.image : finding.entry.fieldPath;
  if (format === 'json') {
    printLine(
      io.stdout,
      JSON.stringify({
        object: target.label || null,
        fieldPath: target.label ? finding.entry.fieldPath : null,
        image,
        ref: finding.reference?.ref ?? null,
        outcome: finding.outcome,
        registry: finding.registry || null,
        digest: finding.digest ?? null,
        detail: finding.detail,
        warnings: finding.warnings,
      }),
    );
    return;
  }
  const where = target.label ? `${target.label} ${finding.entry.fieldPath} ` : '';
  const detail = finding.outcome === 'present' && finding.digest ? finding.digest : finding.detail;
  printLine(io.stdout, `${finding.outcome.padEnd(16)} ${where}${image}  ${detail}`);
  for (const warning of finding.warnings) printLine(io.stdout, `${''.padEnd(16)} warning: ${warning}`);
}
