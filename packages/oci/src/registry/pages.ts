import { OciError } from '../errors';
import { header, readCapped } from './body';
import type { ApiRequest, RegistrySession } from './session';
import type { WireResponse } from './transport';

/** One page of a listing, as the caller decodes it. */
export interface PageReader<T> {
  /** Statuses that mean "this page has content". */
  ok: readonly number[];
  /** Decodes a page's body into items. */
  decode(body: Buffer, res: WireResponse): T[];
  /** Describes the listing for messages. */
  what: string;
}

/** What paging needs. */
export interface PagingDeps {
  session: RegistrySession;
  maxPages: number;
  maxPageBytes: number;
}

/**
 * Reads a listing that pages with `Link: <...>; rel="next"`. Next links
 * are resolved against the page's URL and must stay on its origin; a link
 * elsewhere, or more pages than the cap, is an error, never a silent cut.
 */
export async function readPages<T>(
  deps: PagingDeps,
  first: ApiRequest,
  reader: PageReader<T>,
): Promise<T[]> {
  const items: T[] = [];
  let req: ApiRequest | undefined = first;
  for (let page = 0; req !== undefined; page += 1) {
    if (page >= deps.maxPages) throw tooManyPages(reader.what, deps.maxPages);
    const res = await deps.session.expect(req, reader.ok, reader.what);
    const body = await readCapped(
      res,
      deps.maxPageBytes,
      reader.what,
      req.signal,
    );
    items.push(...reader.decode(body, res));
    req = nextPage(req, res, reader.what);
  }
  return items;
}

function nextPage(
  req: ApiRequest,
  res: WireResponse,
  what: string,
): ApiRequest | undefined {
  const target = nextLink(header(res.headers, 'link'));
  if (target === undefined) return undefined;
  const url = new URL(target, res.url);
  if (url.origin !== res.url.origin) {
    throw new OciError(
      'registry',
      `${what}: the next page is on another host (${url.host}); refusing to follow`,
    );
  }
  return { ...req, path: url };
}

/** The target of the `rel="next"` entry of a `Link` header. */
export function nextLink(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?next"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}

function tooManyPages(what: string, max: number): OciError {
  return new OciError('limit', `${what}: more than ${max} pages; stopping`);
}
