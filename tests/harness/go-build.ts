import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireFileLock } from './go-build-lock.ts';
import { hasCommand } from './install.ts';
import { cacheDir } from './paths.ts';

/** A throw-away Go module whose only purpose is to build some binaries from the module proxy. */
export interface GoBuildRecipe {
  /** Cache key, version included (`kubernetes-v1.34.4`): binaries land in `cacheDir('bin', key)`. */
  key: string;
  /** Writes go.mod (and any main.go) into the empty module directory. May run `go` itself. */
  prepare(moduleDir: string, go: GoRunner): Promise<void>;
  /** Arguments to `go get` (run with -mod=mod) once the module is written. */
  get: string[];
  /** Packages to build into the output folder. */
  packages: string[];
  /** The file names `go build -o DIR/` produces. */
  binaries: string[];
  ldflags?: string;
}

export type GoRunner = (args: string[], cwd: string) => Promise<string>;

const buildTimeoutMs = 90 * 60_000;

/** The go command: PULLGUARD_GO, else `go` on the PATH, else the usual /usr/local/go install. */
export function goCommand(): string {
  if (process.env.PULLGUARD_GO) return process.env.PULLGUARD_GO;
  return hasCommand('go') ? 'go' : '/usr/local/go/bin/go';
}

/**
 * Returns the paths of the recipe's binaries, building them first unless they are cached. Builds run under a lock
 * file, so a second process waits for the first and then uses its binaries. Binaries appear in the cache only
 * once complete (built elsewhere, then renamed).
 */
export async function ensureGoBinaries(recipe: GoBuildRecipe): Promise<Record<string, string>> {
  const outDir = cacheDir('bin', recipe.key);
  const paths = Object.fromEntries(recipe.binaries.map((name) => [name, join(outDir, name)]));
  const isComplete = () => Object.values(paths).every((path) => existsSync(path));
  if (isComplete()) return paths;
  const release = await acquireFileLock(join(cacheDir('bin'), `${recipe.key}.lock`), {
    timeoutMs: buildTimeoutMs,
    description: `another process to finish building ${recipe.key}`,
  });
  try {
    if (!isComplete()) {
      console.error(`[harness] building ${recipe.key} from the Go module proxy (once; cached in ${outDir})`);
      await build(recipe, outDir);
    }
  } finally {
    release();
  }
  return paths;
}

async function build(recipe: GoBuildRecipe, outDir: string): Promise<void> {
  const moduleDir = cacheDir('go-build', recipe.key);
  rmSync(moduleDir, { recursive: true, force: true });
  mkdirSync(moduleDir, { recursive: true });
  const logFile = join(moduleDir, 'build.log');
  const go = goRunner(logFile);
  const staging = join(moduleDir, 'out');
  await recipe.prepare(moduleDir, go);
  if (recipe.get.length > 0) await go(['get', ...recipe.get], moduleDir);
  const ldflags = recipe.ldflags ? [`-ldflags=${recipe.ldflags}`] : [];
  await go(['build', ...ldflags, '-o', `${staging}/`, ...recipe.packages], moduleDir);
  for (const name of recipe.binaries) renameSync(join(staging, name), join(outDir, name));
}

function goRunner(logFile: string): GoRunner {
  return (args, cwd) =>
    new Promise((resolve, reject) => {
      const log = createWriteStream(logFile, { flags: 'a' });
      log.write(`\n$ go ${args.join(' ')}\n`);
      const child = spawn(goCommand(), args, { cwd, env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        log.write(chunk);
      });
      child.stderr.pipe(log, { end: false });
      child.on('error', (error) => log.end(() => reject(error)));
      child.on('close', (code) =>
        log.end(() => {
          if (code === 0) resolve(stdout);
          else reject(new Error(`go ${args[0]} failed (${code}); ${logFile} ends:\n${tail(logFile)}`));
        }),
      );
    });
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // The module lives in a git-ignored folder of this repository: no VCS stamping, and no toolchain download.
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOTOOLCHAIN: 'local',
  };
}

function tail(file: string, lines = 30): string {
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Writes a file into the module directory. */
export function writeModuleFile(moduleDir: string, name: string, text: string): void {
  writeFileSync(join(moduleDir, name), text);
}
