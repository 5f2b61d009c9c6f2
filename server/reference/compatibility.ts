/**
 * Things the v0.6.0 grammar accepts but older parsers still in use refuse (REGISTRY.md §1.6): kubelet ≤ 1.28 and
 * CRI-O (docker/distribution v2.8 copies), containerd ≤ 1.7.18 (its own fork), and the v0.5.0 kubelets for length.
 * Such references are admitted with a warning (§8 point 1), never rejected.
 */
import type { ImageReference } from './image-reference.ts';

/** The old limit counted the whole name, domain included. */
const oldNameMaxLength = 255;
const hostInMessageMaxLength = 24;

/** Short warnings (≤ 100 chars each) for a reference some nodes' parsers may refuse; [] when none. */
export function compatibilityWarnings(reference: ImageReference): string[] {
  const warnings: string[] = [];
  const { domain } = reference;
  const host = describeHost(domain);
  // Older parsers take a first component as a host only with '.', ':' or 'localhost'; else it must be lowercase.
  if (/[A-Z]/.test(domain) && !domain.includes('.') && !domain.includes(':')) {
    warnings.push(`uppercase registry host ${host} is refused by kubelet <=1.28 and CRI-O`);
  }
  if (domain.startsWith('[')) {
    warnings.push(`IPv6 registry host ${host} is refused by kubelet <=1.28 and CRI-O`);
  }
  if (reference.name.length > oldNameMaxLength) {
    warnings.push(
      `name is ${reference.name.length} chars (>255): refused by older kubelets, CRI-O, containerd <=1.7.18`,
    );
  }
  return warnings;
}

/** A valid host is printable ASCII already; only its length needs a bound. */
function describeHost(domain: string): string {
  const cut = domain.length > hostInMessageMaxLength ? `${domain.slice(0, hostInMessageMaxLength)}...` : domain;
  return JSON.stringify(cut);
}
