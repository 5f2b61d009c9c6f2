/**
 * Components that several test files share within one `npm test` run (started once, handed to tap's
 * per-file processes through the environment). A test file run on its own starts what it needs itself.
 */
export interface SharedComponents {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSharedComponents(_files: string[]): Promise<SharedComponents> {
  return { env: {}, stop: async () => {} };
}
