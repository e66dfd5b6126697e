import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { RecordingLogger } from '@imagegate/test-support';
import { afterEach } from 'vitest';
import {
  OciError,
  RegistryClient,
  type Clock,
  type RegistryClientOptions,
} from '../../src/index';
import { FakeServer, type Route } from './fake-server';

/** A clock whose sleeps return at once and are recorded. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.offset += ms;
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    return new Promise((resolve) => setImmediate(resolve));
  }

  random(): number {
    return 0.5;
  }
}

/** A client wired for tests, with what they inspect. */
export interface TestClient {
  client: RegistryClient;
  clock: FakeClock;
  logger: RecordingLogger;
  cacheDir: string;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** Runs after the current test. */
export function onCleanup(task: () => Promise<void>): void {
  cleanups.push(task);
}

/** A fake server for the routes, closed after the test. */
export async function startServer(
  routes: Route[],
  tls?: { key: string; cert: string },
): Promise<FakeServer> {
  const fake = await FakeServer.start(routes, tls);
  onCleanup(() => fake.close());
  return fake;
}

/** A client with a fake clock, a recording logger and a fresh cache. */
export async function testClient(
  options: RegistryClientOptions = {},
): Promise<TestClient> {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const cacheDir = await mkdtemp(join(tmpdir(), 'imagegate-test-cache-'));
  onCleanup(() => rm(cacheDir, { recursive: true, force: true }));
  const client = new RegistryClient({
    clock,
    logger,
    cacheDir,
    requestTimeoutMs: 2000,
    operationTimeoutMs: 10_000,
    ...options,
  });
  onCleanup(() => client.close());
  return { client, clock, logger, cacheDir };
}

/** The error a promise rejects with, asserted to be an `OciError`. */
export async function failure(promise: Promise<unknown>): Promise<OciError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OciError) return error;
    throw new Error(`expected an OciError, got ${inspect(error)}`, {
      cause: error,
    });
  }
  throw new Error('expected a failure, but the call succeeded');
}

/** Everything an error exposes: message, cause chain, every property. */
export function everythingIn(error: unknown): string {
  return inspect(error, { depth: 10, showHidden: true });
}

/** The forms a secret may leak in. */
export function leakForms(secret: string, user = 'user'): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    Buffer.from(`${user}:${secret}`).toString('base64').replace(/=+$/, ''),
    encodeURIComponent(secret),
  ];
}
