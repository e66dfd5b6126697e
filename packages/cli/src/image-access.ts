import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from '@imagegate/findings';
import {
  createCredentialProvider,
  parsePlatform,
  type OpenImageOptions,
  type PlatformChoice,
} from '@imagegate/oci';
import type { CliIo } from './io';

/** The registry options every image command takes. */
export interface RegistryFlags {
  insecureRegistry: string[];
  caFile?: string;
}

/** How an image command reaches images, and keeps secrets out of output. */
export interface ImageAccess {
  /** Options for `openImageSource` and friends. */
  open: OpenImageOptions;
  /** Masks every form of every credential that was read. */
  redact(text: string): string;
  /** Runs a step; an error leaves it with its secrets masked. */
  guard<T>(work: () => Promise<T>): Promise<T>;
}

/** Secrets shorter than this are not masked: they match digests by chance. */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';

/**
 * Builds the image options of a command from its flags and environment:
 * credentials from docker's `config.json` (`DOCKER_CONFIG`) and podman's
 * `auth.json`, the CA file and insecure registries, the blob cache
 * (`IMAGEGATE_CACHE_DIR`), and a logger on stderr. Every secret read is
 * remembered, so that no output can carry one, even by mistake.
 */
export function imageAccess(flags: RegistryFlags, io: CliIo): ImageAccess {
  const secrets = new Set<string>();
  const redact = (text: string): string => {
    let masked = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
      masked = masked.split(secret).join(MASK);
    }
    return masked;
  };
  const logger = stderrLogger(io, redact);
  const homeDir = io.env.HOME || homedir();
  const credentials = createCredentialProvider({
    env: io.env,
    homeDir,
    logger,
    onSecret: (value) => {
      if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
    },
  });
  const open: OpenImageOptions = {
    credentials,
    insecureRegistries: flags.insecureRegistry,
    cwd: io.cwd,
    env: io.env,
    homeDir,
    logger,
  };
  if (flags.caFile !== undefined) open.caFile = resolve(io.cwd, flags.caFile);
  return {
    open,
    redact,
    guard: (work) => guarded(work, redact, logger),
  };
}

/** Reads `--platform`: `os/arch[/variant]` or `all`. */
export function readPlatform(
  text: string | undefined,
): PlatformChoice | undefined {
  return text === undefined ? undefined : parsePlatform(text);
}

/** Collects a repeated flag's values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function guarded<T>(
  work: () => Promise<T>,
  redact: (text: string) => string,
  logger: DeferringLogger,
): Promise<T> {
  return work().then(
    (value) => {
      logger.flush();
      return value;
    },
    (error: unknown) => {
      throw redactError(error, redact);
    },
  );
}

function redactError(error: unknown, redact: (text: string) => string) {
  if (!(error instanceof Error)) return error;
  const message = redact(error.message);
  if (message === error.message) return error;
  const code = (error as { code?: unknown }).code;
  return Object.assign(new Error(message), {
    ...(typeof code === 'string' ? { code } : {}),
  });
}

/** A logger whose warnings wait until the command has succeeded. */
interface DeferringLogger extends Logger {
  flush(): void;
}

/**
 * Warnings and errors on stderr, masked. They are held until the
 * command succeeds, so a failure prints only its own one line (retries
 * before an unreachable registry, say, are not worth reading then). With
 * `IMAGEGATE_DEBUG=1`, every line, debug and info too, is printed at once.
 */
function stderrLogger(
  io: CliIo,
  redact: (text: string) => string,
): DeferringLogger {
  const verbose = io.env.IMAGEGATE_DEBUG === '1';
  const held: [string, string][] = [];
  const line = (level: string, message: string) => {
    io.stderr(`imagegate: ${level}: ${redact(message)}\n`);
  };
  const hold = (level: string, message: string) => {
    if (verbose) line(level, message);
    else held.push([level, message]);
  };
  return {
    debug: (message) => {
      if (verbose) line('debug', message);
    },
    info: (message) => {
      if (verbose) line('info', message);
    },
    warning: (message) => {
      hold('warning', message);
    },
    error: (message) => {
      hold('error', message);
    },
    flush: () => {
      for (const [level, message] of held.splice(0)) line(level, message);
    },
  };
}
