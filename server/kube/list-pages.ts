/**
 * A LIST read in pages (`limit` + `continue`), as client-go's reflector does: the apiserver never builds one
 * response of every object, and each page is parsed, trimmed by `transform` and let go before the next, so memory
 * follows what is kept, not what was sent. All pages are one consistent snapshot (the apiserver guarantees it for
 * continued lists) and carry its resourceVersion, from which the watch then starts.
 *
 * An expired continue token (410, the list took longer than etcd keeps the snapshot) fails the whole list: the
 * informer's supervisor restarts it from the first page.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

/** Fetches one page: no token for the first, then the previous page's `metadata._continue`. */
export type PageFetcher<T extends KubernetesObject> = (
  continueToken: string | undefined,
) => Promise<KubernetesListObject<T>>;

/** client-go's default page size (pager.defaultPageSize). */
export const DEFAULT_PAGE_SIZE = 500;

/** Bounds a runaway: a server that kept answering with a continue token would otherwise loop for ever. */
const MAX_PAGES = 100_000;

export async function listInPages<T extends KubernetesObject>(
  fetchPage: PageFetcher<T>,
  transform: (object: T) => T = (object) => object,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let continueToken: string | undefined;
  let resourceVersion: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await fetchPage(continueToken);
    for (const item of answer.items ?? []) items.push(transform(item));
    resourceVersion = answer.metadata?.resourceVersion ?? resourceVersion;
    continueToken = answer.metadata?._continue || undefined;
    if (continueToken === undefined) {
      const list: KubernetesListObject<T> = {
        metadata: resourceVersion === undefined ? {} : { resourceVersion },
        items,
      };
      if (answer.apiVersion !== undefined) list.apiVersion = answer.apiVersion;
      if (answer.kind !== undefined) list.kind = answer.kind;
      return list;
    }
  }
  throw new RangeError(`a paged list did not end after ${MAX_PAGES} pages`);
}
