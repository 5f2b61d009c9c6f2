/** A parsed, normalized image reference, as the kubelet (distribution/reference v0.6.0) understands it. */
export interface ImageReference {
  /** The string as given in the Pod spec. */
  readonly input: string;
  /** 'docker.io', 'ghcr.io', 'localhost:5000', or '' for the `example_com.io/foo` quirk (REGISTRY.md §1.2). */
  readonly domain: string;
  /** Repository path, e.g. 'library/nginx'. */
  readonly path: string;
  /** `${domain}/${path}`, or just the path when the domain is empty. */
  readonly name: string;
  /** The tag as written, or null when absent. */
  readonly tag: string | null;
  /** The digest as written, or null when absent. */
  readonly digest: string | null;
  /**
   * What the runtime pulls: name@digest when a digest is present (the tag is dropped, as containerd and CRI-O do),
   * else name:tag, else name:latest.
   */
  readonly ref: string;
}
