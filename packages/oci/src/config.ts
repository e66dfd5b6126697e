import { silentLogger, type Logger } from '@imagegate/findings';
import { parseDigest, type Digest } from './digest';
import {
  DEFAULT_MANIFEST_CAPS,
  isObject,
  parseJson,
  stringRecord,
  type JsonObject,
} from './documents';
import { OciError } from './errors';
import { MediaType } from './media-types';
import type { Descriptor, HistoryEntry, ImageConfig } from './types';

/**
 * Caps on an image config. Past them the config is trimmed with a
 * warning rather than refused, so that the scan can go on.
 */
export interface ConfigLimits {
  /** Bytes of a config read whole; a bigger one is skipped with a warning. */
  maxConfigBytes: number;
  /** `rootfs.diff_ids` checked; more are not checked at all. */
  maxLayers: number;
  /** Config `Env` entries kept. */
  maxEnvEntries: number;
  /** Config labels kept. */
  maxLabels: number;
  /** Bytes kept of one label value or environment entry. */
  maxValueBytes: number;
  /** Config history entries kept. */
  maxHistory: number;
}

/** The config caps used where a caller sets none. */
export const DEFAULT_CONFIG_LIMITS: Readonly<ConfigLimits> = Object.freeze({
  maxConfigBytes: 8 * 1024 * 1024,
  maxLayers: DEFAULT_MANIFEST_CAPS.layers,
  maxEnvEntries: 10_000,
  maxLabels: 10_000,
  maxValueBytes: 64 * 1024,
  maxHistory: 10_000,
});

const CONFIG_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociConfig,
  MediaType.dockerConfig,
]);

type RuntimeConfig = NonNullable<ImageConfig['config']>;

/**
 * Parses an image config, keeping only the fields imagegate reads. `os`,
 * `architecture` and `rootfs.diff_ids` are required. Huge parts are
 * trimmed with one warning each rather than refused, so that a 10 MB
 * label or 100,000 environment variables do not stop a scan: environment
 * entries, labels and history are cut to their caps and long values
 * shortened.
 */
export function parseConfig(
  bytes: Uint8Array,
  where: string,
  logger: Logger = silentLogger,
  limits: ConfigLimits = DEFAULT_CONFIG_LIMITS,
): ImageConfig {
  const doc = parseJson(bytes, where);
  if (!isObject(doc)) throw bad(where, 'is not a JSON object');
  const { os, architecture } = doc;
  if (typeof os !== 'string' || typeof architecture !== 'string') {
    throw bad(where, 'has no os and architecture');
  }
  if (doc.history !== undefined && !Array.isArray(doc.history)) {
    throw bad(where, 'has a history that is not a list');
  }
  const trim = new Trimmer(where, limits, logger);
  const config: ImageConfig = {
    architecture,
    os,
    rootfs: { type: 'layers', diff_ids: diffIds(doc.rootfs, where, trim) },
  };
  for (const key of ['variant', 'created', 'author'] as const) {
    if (typeof doc[key] === 'string') config[key] = doc[key];
  }
  if (isObject(doc.config)) config.config = runtimeConfig(doc.config, trim);
  if (Array.isArray(doc.history)) config.history = history(doc.history, trim);
  return config;
}

/**
 * Reads and parses the config a manifest names, after checking its media
 * type. One past `maxConfigBytes` is not read: a placeholder without diff
 * IDs stands in, with a warning, so layers are still walked but not
 * checked against them, and the scan goes on.
 */
export async function readConfig(
  descriptor: Descriptor,
  where: string,
  read: (maxBytes: number) => Promise<Uint8Array>,
  context: { limits: ConfigLimits; logger: Logger },
): Promise<ImageConfig> {
  const { limits, logger } = context;
  if (!CONFIG_TYPES.has(descriptor.mediaType)) {
    throw new OciError(
      'unsupported',
      `${where}: media type '${descriptor.mediaType}' is not a container ` +
        'image config',
    );
  }
  if (descriptor.size > limits.maxConfigBytes) {
    logger.warning(
      `${where} is ${descriptor.size} bytes, past the ` +
        `${limits.maxConfigBytes}-byte limit; it is not read, and ` +
        'layers are not checked against its diff_ids; the scan goes on',
    );
    return placeholderConfig();
  }
  const bytes = await read(limits.maxConfigBytes);
  return parseConfig(bytes, where, logger, limits);
}

function placeholderConfig(): ImageConfig {
  return { architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] } };
}

function diffIds(rootfs: unknown, where: string, trim: Trimmer): Digest[] {
  if (!isObject(rootfs) || !Array.isArray(rootfs.diff_ids)) {
    throw bad(where, 'has no rootfs.diff_ids');
  }
  const ids: unknown[] = rootfs.diff_ids;
  if (ids.length > trim.limits.maxLayers) {
    trim.warn(`lists ${ids.length} diff_ids; they are not checked`);
    return [];
  }
  return ids.map((id, i) => parseDigest(String(id), `${where} diff_ids[${i}]`));
}

function runtimeConfig(doc: JsonObject, trim: Trimmer): RuntimeConfig {
  const config: RuntimeConfig = {};
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const) {
    if (typeof doc[key] === 'string') config[key] = trim.value(doc[key]);
  }
  if (Array.isArray(doc.Env)) config.Env = trim.env(doc.Env);
  for (const key of ['Entrypoint', 'Cmd'] as const) {
    const value = doc[key];
    if (value === null) config[key] = null;
    if (Array.isArray(value)) {
      config[key] = strings(value).map((s) => trim.value(s));
    }
  }
  const labels = isObject(doc.Labels) ? trim.labels(doc.Labels) : undefined;
  if (labels !== undefined) config.Labels = labels;
  for (const key of ['ExposedPorts', 'Volumes'] as const) {
    if (isObject(doc[key])) config[key] = keysOnly(doc[key], trim);
  }
  if (isObject(doc.Healthcheck) && Array.isArray(doc.Healthcheck.Test)) {
    config.Healthcheck = { Test: strings(doc.Healthcheck.Test) };
  }
  return config;
}

function history(entries: unknown[], trim: Trimmer): HistoryEntry[] {
  const kept = trim.count(entries, trim.limits.maxHistory, 'history entries');
  return kept.filter(isObject).map((entry) => {
    const item: HistoryEntry = {};
    for (const key of ['created', 'created_by', 'author', 'comment'] as const) {
      if (typeof entry[key] === 'string') item[key] = trim.value(entry[key]);
    }
    if (entry.empty_layer === true) item.empty_layer = true;
    return item;
  });
}

function keysOnly(doc: JsonObject, trim: Trimmer): Record<string, object> {
  const out = Object.create(null) as Record<string, object>;
  const keys = trim.count(Object.keys(doc), trim.limits.maxLabels, 'keys');
  for (const key of keys) out[key] = {};
  return out;
}

/** Cuts oversized parts of a config, warning once per kind. */
class Trimmer {
  private readonly warned = new Set<string>();

  constructor(
    private readonly where: string,
    readonly limits: ConfigLimits,
    private readonly logger: Logger,
  ) {}

  env(entries: unknown[]): string[] {
    const kept = this.count(entries, this.limits.maxEnvEntries, 'Env entries');
    return strings(kept).map((entry) => this.value(entry));
  }

  labels(doc: JsonObject): Record<string, string> | undefined {
    const entries = this.count(
      Object.entries(doc),
      this.limits.maxLabels,
      'labels',
    );
    const kept = stringRecord(
      Object.fromEntries(
        entries.filter(([, value]) => typeof value === 'string'),
      ),
      `${this.where} labels`,
    );
    for (const key of Object.keys(kept ?? {})) {
      if (kept !== undefined) kept[key] = this.value(kept[key] ?? '');
    }
    return kept;
  }

  count<T>(items: T[], max: number, what: string): T[] {
    if (items.length <= max) return items;
    this.warn(`has ${items.length} ${what}; only the first ${max} are kept`);
    return items.slice(0, max);
  }

  value(text: string): string {
    const max = this.limits.maxValueBytes;
    if (text.length <= max / 4 || Buffer.byteLength(text) <= max) return text;
    this.warn(`has values over ${max} bytes; they are shortened`);
    return Buffer.from(text).subarray(0, max).toString('utf8');
  }

  warn(what: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.logger.warning(`${this.where} ${what}; the scan goes on`);
  }
}

function strings(values: unknown[]): string[] {
  return values.filter((value): value is string => typeof value === 'string');
}

function bad(where: string, what: string): OciError {
  return new OciError('bad-manifest', `${where} ${what}`);
}
