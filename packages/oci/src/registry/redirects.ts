import { OciError } from '../errors';
import { discard } from './body';
import type { WireRequest, WireResponse } from './transport';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers that may follow a request to another origin. */
const PORTABLE_HEADERS = new Set(['accept', 'user-agent', 'range']);

/** What the redirect rules need to know. */
export interface RedirectPolicy {
  maxRedirects: number;
  /** Whether plain HTTP is allowed to this host. */
  allowsPlain(host: string): boolean;
}

/**
 * Follows redirects of a GET or HEAD. Crossing to another origin drops
 * every header but `Accept`, `User-Agent` and `Range` (so credentials and
 * cookies never reach blob storage), and they stay dropped for the rest of
 * the chain. A move from https to http is refused.
 */
export async function followRedirects(
  send: (req: WireRequest) => Promise<WireResponse>,
  first: WireRequest,
  policy: RedirectPolicy,
): Promise<WireResponse> {
  let req = first;
  for (let hops = 0; ; hops += 1) {
    const res = await send(req);
    if (!REDIRECT_STATUSES.has(res.status)) return res;
    await discard(res.body);
    if (hops >= policy.maxRedirects) {
      throw new OciError(
        'redirect',
        `${first.url.host} redirected more than ${policy.maxRedirects} times`,
      );
    }
    req = nextHop(req, res, policy);
  }
}

function nextHop(
  req: WireRequest,
  res: WireResponse,
  policy: RedirectPolicy,
): WireRequest {
  const target = targetOf(req, res);
  checkScheme(req.url, target, policy);
  const sameOrigin = target.origin === req.url.origin;
  const method =
    res.status === 303 && req.method !== 'HEAD' ? 'GET' : req.method;
  return {
    ...req,
    method,
    url: target,
    headers: sameOrigin ? req.headers : portable(req.headers),
  };
}

function targetOf(req: WireRequest, res: WireResponse): URL {
  const location = res.headers.location;
  if (typeof location !== 'string' || location === '') {
    throw new OciError(
      'redirect',
      `${req.url.host} answered ${res.status} without a Location`,
    );
  }
  try {
    return new URL(location, req.url);
  } catch {
    throw new OciError(
      'redirect',
      `${req.url.host} redirected to an invalid URL`,
    );
  }
}

function checkScheme(from: URL, to: URL, policy: RedirectPolicy): void {
  const downgrade = from.protocol === 'https:' && to.protocol !== 'https:';
  const plainAllowed = to.protocol === 'http:' && policy.allowsPlain(to.host);
  if (to.protocol === 'https:' || (!downgrade && plainAllowed)) return;
  throw new OciError(
    'insecure-refused',
    `${from.host} redirected from ${from.protocol} to ${to.protocol}//${to.host}; refusing to follow without TLS`,
  );
}

function portable(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) =>
      PORTABLE_HEADERS.has(name.toLowerCase()),
    ),
  );
}
