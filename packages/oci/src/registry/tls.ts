import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Logger } from '@imagegate/findings';
import { Agent } from 'undici';
import { OciError } from '../errors';

// Limitation: HTTP(S)_PROXY and NO_PROXY are not honoured; connections
// go straight to the registry and its storage.
/** Connection pools: one that verifies TLS, one for insecure registries. */
export interface Agents {
  verified: Agent;
  unverified: Agent;
}

/** What the agents need to know. */
export interface AgentOptions {
  caFile: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  connectTimeoutMs: number;
  logger: Logger;
}

/**
 * Builds the connection pools. The trusted CAs are the system's, those in
 * `NODE_EXTRA_CA_CERTS` and those in the CA file: Node drops the first two
 * as soon as a `ca` option is given, so they are listed explicitly. They
 * are parsed into one secure context here: given as `ca`, they would be
 * parsed again for every connection (some 30 ms each).
 */
export function createAgents(options: AgentOptions): Agents {
  const secureContext = createSecureContext({ ca: trustedCas(options) });
  const connect = { timeout: options.connectTimeoutMs };
  return {
    verified: new Agent({ connect: { ...connect, secureContext } }),
    unverified: new Agent({
      connect: { ...connect, rejectUnauthorized: false },
    }),
  };
}

function trustedCas(options: AgentOptions): string[] {
  const extra = options.env.NODE_EXTRA_CA_CERTS;
  return [
    ...rootCertificates,
    ...(extra ? readExtra(extra, options.logger) : []),
    ...(options.caFile ? readCaFile(options.caFile) : []),
  ];
}

function readExtra(path: string, logger: Logger): string[] {
  try {
    return [readFileSync(path, 'utf8')];
  } catch {
    logger.warning(
      `NODE_EXTRA_CA_CERTS names '${path}', which cannot be read; ignoring it`,
    );
    return [];
  }
}

function readCaFile(path: string): string[] {
  try {
    const text = readFileSync(path, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error('no PEM certificate in the file');
    }
    return [text];
  } catch (error) {
    throw new OciError(
      'tls',
      `CA file '${path}' cannot be used: ${(error as Error).message}`,
    );
  }
}

/** Closes both pools. */
export async function closeAgents(agents: Agents): Promise<void> {
  await Promise.all([agents.verified.close(), agents.unverified.close()]);
}
