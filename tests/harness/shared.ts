/**
 * Components that several test files share within one `npm test` run (started once, handed to tap's
 * per-file processes through the environment). A test file run on its own starts what it needs itself.
 */
import { startSharedKube } from './kube-shared.ts';

export interface SharedComponents {
  env: Record<string, string>;
  stop(): Promise<void>;
}

type Starter = (files: string[]) => Promise<SharedComponents | undefined>;

const starters: Starter[] = [startSharedKube];

/**
 * Starts every shared component some file needs. One that fails to start is reported and left out: the files that
 * need it then start their own, and fail with their own message and in the tally instead of aborting the run.
 */
export async function startSharedComponents(files: string[]): Promise<SharedComponents> {
  const started: SharedComponents[] = [];
  const stop = async () => {
    for (const component of started.reverse()) await component.stop();
  };
  for (const start of starters) {
    try {
      const component = await start(files);
      if (component) started.push(component);
    } catch (error) {
      console.error(`[harness] a shared component did not start: ${(error as Error).message}`);
    }
  }
  return { env: Object.assign({}, ...started.map((component) => component.env)), stop };
}
