import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let aptUpdated = false;

/** True when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a Debian package providing `binary` is installed (these machines run as root and reach Debian's
 * mirrors). Returns the binary's path.
 */
export function ensureDebianPackage(binary: string, pkg: string): string {
  const path = binary.startsWith('/') ? binary : `/usr/bin/${binary}`;
  if (existsSync(path) || hasCommand(binary)) return existsSync(path) ? path : binary;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'ignore', env });
  if (!existsSync(path) && !hasCommand(binary)) throw new Error(`installing ${pkg} did not provide ${binary}`);
  return existsSync(path) ? path : binary;
}
