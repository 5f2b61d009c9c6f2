/**
 * Helm built from the Go module proxy into the binary cache, like kube-apiserver (see kube-build.ts).
 * `npx node tests/harness/helm.ts` prebuilds it (CI) and prints where it is.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureGoBinaries, type GoBuildRecipe, writeModuleFile } from './go-build.ts';
import { cacheDir, repoRoot } from './paths.ts';

export const helmVersion = 'v4.3.1';

const helmModule = 'helm.sh/helm/v4';

const helmRecipe: GoBuildRecipe = {
  key: `helm-${helmVersion}`,
  async prepare(moduleDir) {
    writeModuleFile(
      moduleDir,
      'go.mod',
      `module pullguard.dev/helm-build\n\ngo 1.26.0\n\nrequire ${helmModule} ${helmVersion}\n`,
    );
  },
  get: [`${helmModule}/cmd/helm@${helmVersion}`],
  packages: [`${helmModule}/cmd/helm`],
  binaries: ['helm'],
  // What helm's Makefile stamps, so `helm version` reports the release rather than the bare minor version.
  ldflags: `-X ${helmModule}/internal/version.version=${helmVersion} -X ${helmModule}/internal/version.gitTreeState=clean`,
};

/** The path of the helm binary, built on first use (minutes) and cached by version after that. */
export async function ensureHelm(): Promise<string> {
  const paths = await ensureGoBinaries(helmRecipe);
  const helm = paths.helm;
  if (!helm) throw new Error('the helm build recipe did not list helm');
  return helm;
}

/** The chart in this repository. */
export const chartPath = join(repoRoot, 'charts', 'pullguard');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HelmOptions {
  /** Standard input (`-f -` values). */
  input?: string | undefined;
  /** Kills a hung helm after this long (default 120 s). */
  timeoutMs?: number | undefined;
}

/**
 * Runs helm with its cache, config and data homes in the harness cache (never the user's), and resolves with its
 * exit code and output; it does not throw on a non-zero exit.
 */
export async function runHelm(args: string[], options: HelmOptions = {}): Promise<HelmResult> {
  const helm = await ensureHelm();
  const home = cacheDir('helm-home');
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(helm, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

if (import.meta.main) {
  const started = Date.now();
  const helm = await ensureHelm();
  console.log(JSON.stringify({ helm, seconds: Math.round((Date.now() - started) / 1000) }, null, 2));
}
