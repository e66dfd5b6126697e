import { OciError } from '../errors';
import type { Credential } from '../source';
import { errorSummary, readCapped } from './body';
import type { HttpClient } from './http';
import type { SecretSet } from './redact';
import type { WireResponse } from './transport';

/** A bearer token and when to stop using it. */
export interface IssuedToken {
  token: string;
  expiresAt: number;
}

/** A request to a token service. */
export interface TokenRequest {
  realm: URL;
  service: string | undefined;
  scopes: readonly string[];
  /** Sent only when the realm is trusted with the registry's secrets. */
  credential: Credential | undefined;
  /** The registry the token is for, for messages. */
  registry: string;
  signal: AbortSignal;
  now: number;
}

const TOKEN_BYTES = 1024 * 1024;
const DEFAULT_LIFETIME_S = 60;

/**
 * Gets a token from a token service: an OAuth2 refresh-token POST for an
 * identity token, else a GET with Basic credentials or none (anonymous).
 * The token is registered as a secret before anything else sees it.
 */
export async function fetchToken(
  http: HttpClient,
  secrets: SecretSet,
  req: TokenRequest,
): Promise<IssuedToken> {
  const res = req.credential?.identityToken
    ? await postRefresh(http, req, req.credential.identityToken)
    : await getToken(http, req);
  if (res.status !== 200) throw await tokenError(res, req, secrets);
  const body = await readCapped(
    res,
    TOKEN_BYTES,
    `token from ${req.realm.host}`,
  );
  return parseToken(body, req, secrets);
}

function getToken(http: HttpClient, req: TokenRequest): Promise<WireResponse> {
  const url = new URL(req.realm);
  if (req.service) url.searchParams.set('service', req.service);
  for (const scope of req.scopes) url.searchParams.append('scope', scope);
  const { username, password } = req.credential ?? {};
  const headers: Record<string, string> =
    password === undefined
      ? {}
      : { authorization: basic(username ?? '', password) };
  return http.send({ method: 'GET', url, headers, signal: req.signal });
}

function postRefresh(
  http: HttpClient,
  req: TokenRequest,
  refreshToken: string,
): Promise<WireResponse> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: 'imagegate',
    ...(req.service ? { service: req.service } : {}),
    scope: req.scopes.join(' '),
  });
  return http.send({
    method: 'POST',
    url: req.realm,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(form.toString()),
    signal: req.signal,
    idempotent: true,
  });
}

/** The `Authorization` value for Basic credentials. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function parseToken(
  body: Buffer,
  req: TokenRequest,
  secrets: SecretSet,
): IssuedToken {
  const parsed = parseJson(body);
  const token = firstString(parsed.token, parsed.access_token);
  if (token === undefined) {
    throw new OciError(
      'unauthorized',
      `the token service at ${req.realm.host} sent no token for ${req.registry}`,
    );
  }
  secrets.add(token);
  const lifetime =
    typeof parsed.expires_in === 'number' && parsed.expires_in > 0
      ? parsed.expires_in
      : DEFAULT_LIFETIME_S;
  return { token, expiresAt: req.now + lifetime * 1000 };
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.length > 0);
}

async function tokenError(
  res: WireResponse,
  req: TokenRequest,
  secrets: SecretSet,
): Promise<OciError> {
  const summary = await errorSummary(res.body, secrets);
  const refused = res.status === 401 || res.status === 403;
  const detail = summary ? `: ${summary}` : '';
  return new OciError(
    refused ? 'unauthorized' : 'registry',
    refused
      ? `the token service at ${req.realm.host} refused ${req.credential ? 'the credentials' : 'anonymous access'} for ${req.registry} (HTTP ${res.status})${detail}`
      : `the token service at ${req.realm.host} failed for ${req.registry} (HTTP ${res.status})${detail}`,
  );
}
