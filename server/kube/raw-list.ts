/**
 * One page of a LIST as plain JSON, for informers whose objects are trimmed before they are kept. client-node's
 * typed list call deserializes every field of every object into model classes (Dates included) first, so a page
 * of 500 Pods was allocated twice, in full, to keep a few fields of each; that garbage is what grew the process.
 * Watch events are plain JSON too, so the cache holds one kind of object. The request is authenticated and sent
 * exactly as client-node sends its own (applySecurityAuthentication: headers and the shared connection pool).
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { ApiException, HttpMethod, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import { fetch } from 'undici';
import type { PageFetcher } from './list-pages.ts';

export interface RawListOptions {
  /** The collection's URL path, e.g. `/api/v1/pods`. */
  readonly path: string;
  readonly fieldSelector?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly pageSize: number;
}

export function rawListPages<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  options: RawListOptions,
): PageFetcher<T> {
  return async (continueToken) => {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (server === undefined) throw new Error('the kubeconfig names no current cluster');
    const url = new URL(`${server.replace(/\/+$/, '')}${options.path}`);
    if (options.fieldSelector !== undefined) url.searchParams.set('fieldSelector', options.fieldSelector);
    if (options.labelSelector !== undefined) url.searchParams.set('labelSelector', options.labelSelector);
    url.searchParams.set('limit', String(options.pageSize));
    if (continueToken !== undefined) url.searchParams.set('continue', continueToken);

    const context = new RequestContext(url.toString(), HttpMethod.GET);
    await kubeConfig.applySecurityAuthentication(context);
    const response = await fetch(url, {
      method: 'GET',
      headers: { ...context.getHeaders(), accept: 'application/json' },
      dispatcher: context.getDispatcher() as never,
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new ApiException(response.status, `listing ${options.path}`, text, Object.fromEntries(response.headers));
    }
    const page = JSON.parse(text) as Awaited<ReturnType<PageFetcher<T>>>;
    // The wire's `metadata.continue` is client-node's `_continue` (its models rename the reserved word).
    const wire = page.metadata as { continue?: string; _continue?: string } | undefined;
    if (wire?.continue !== undefined) wire._continue = wire.continue;
    return page;
  };
}
