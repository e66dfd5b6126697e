import type { Digest } from './digest';
import type { ResolvedImage } from './source';
import type { HistoryEntry, ImageConfig, Platform } from './types';

/** One layer, with the history entry that made it. */
export interface LayerDescription {
  digest: Digest;
  size: number;
  mediaType: string;
  /** The instruction that made the layer; null when history does not say. */
  createdBy: string | null;
}

/** One entry of the config's history. */
export interface HistoryDescription {
  created: string | null;
  createdBy: string | null;
  comment: string | null;
  emptyLayer: boolean;
}

/** The parts of an image config that `imagegate inspect` shows. */
export interface ConfigDescription {
  digest: Digest;
  created: string | null;
  user: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir: string | null;
  /** `80/tcp`, sorted. */
  exposedPorts: string[];
  labels: Record<string, string>;
  /** Environment variable names, in config order; never their values. */
  envNames: string[];
  history: HistoryDescription[];
}

/** One image, as `imagegate inspect` prints it. */
export interface ImageDescription {
  /** The image as the source names it. */
  reference: string;
  /** The manifest's digest. */
  digest: Digest;
  mediaType: string;
  /** `os/architecture[/variant]`; null when the image names none. */
  platform: string | null;
  /** The index the manifest was chosen from, if any. */
  indexDigest: Digest | null;
  config: ConfigDescription;
  layers: LayerDescription[];
  /** Bytes of the manifest, the config and the layers as stored. */
  size: number;
}

const MASK = '***';
/** Shorter environment values are too likely to match other text. */
const MIN_MASKED_LENGTH = 6;
/** Values searched for in the history, longest first: bounds the work. */
const MAX_MASKED_VALUES = 64;

/**
 * Describes a resolved image for people and scripts: what runs (user,
 * entrypoint, command, working directory, ports), its labels, the names
 * of its environment variables, its history, and its layers joined to the
 * history entries that made them (entries marked `empty_layer` made
 * none). Environment values are never shown: not from the config, and
 * masked where an `ENV` or `ARG` instruction in the history spells them.
 *
 * Limitation: when the history's non-empty entries do not match the
 * layers one for one (some tools write no history), `createdBy` is null
 * for every layer rather than guessed.
 *
 * Limitation: a value that a `RUN` command spells out in its own text
 * (`RUN TOKEN=x make`) is shown as the image recorded it; only `ENV`,
 * `ARG` and BuildKit's `|N NAME=value` prefix are masked, and any exact
 * environment value of six characters or more (the 64 longest, when an
 * image has more).
 */
export function describeImage(
  image: ResolvedImage,
  reference: string,
): ImageDescription {
  const { manifest, config } = image;
  const mask = masker(config);
  const history = (config.history ?? []).map((entry) =>
    describeHistory(entry, mask),
  );
  const madeBy = layerHistory(history, manifest.layers.length);
  const layers = manifest.layers.map((layer, i) => ({
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    createdBy: madeBy[i] ?? null,
  }));
  const size =
    image.manifestBytes.length +
    manifest.config.size +
    manifest.layers.reduce((total, layer) => total + layer.size, 0);
  return {
    reference,
    digest: image.digest,
    mediaType: manifest.mediaType,
    platform: image.platform ? platformText(image.platform) : null,
    indexDigest: image.index?.digest ?? null,
    config: describeConfig(image, history),
    layers,
    size,
  };
}

function describeConfig(
  image: ResolvedImage,
  history: HistoryDescription[],
): ConfigDescription {
  const run = image.config.config ?? {};
  return {
    digest: image.configDigest,
    created: image.config.created ?? null,
    user: nonEmpty(run.User),
    entrypoint: run.Entrypoint ?? null,
    cmd: run.Cmd ?? null,
    workingDir: nonEmpty(run.WorkingDir),
    exposedPorts: Object.keys(run.ExposedPorts ?? {}).sort(),
    labels: sortedRecord(run.Labels ?? {}),
    envNames: (run.Env ?? []).map(envName),
    history,
  };
}

function describeHistory(
  entry: HistoryEntry,
  mask: (text: string) => string,
): HistoryDescription {
  return {
    created: entry.created ?? null,
    createdBy: entry.created_by === undefined ? null : mask(entry.created_by),
    comment: entry.comment ?? null,
    emptyLayer: entry.empty_layer === true,
  };
}

/** The `createdBy` of each layer, or none when the counts differ. */
function layerHistory(
  history: HistoryDescription[],
  layerCount: number,
): (string | null)[] {
  const made = history.filter((entry) => !entry.emptyLayer);
  return made.length === layerCount ? made.map((e) => e.createdBy) : [];
}

/**
 * Masks environment values in history text: the values of `ENV` and
 * `ARG` instructions, BuildKit's `|N NAME=value ...` build-argument
 * prefix, and any exact value of the config's environment long enough
 * not to match by chance.
 */
function masker(config: ImageConfig): (text: string) => string {
  const values = (config.config?.Env ?? [])
    .map((entry) => entry.slice(entry.indexOf('=') + 1))
    .filter((value) => value.length >= MIN_MASKED_LENGTH)
    .sort((a, b) => b.length - a.length)
    .slice(0, MAX_MASKED_VALUES);
  return (text) => {
    let masked = maskInstruction(text);
    for (const value of values) masked = masked.split(value).join(MASK);
    return masked;
  };
}

// A name may start only where no name character precedes it, so a long
// run of name characters is scanned once, not once per position.
const ASSIGNMENT =
  /(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s\\]|\\.)*)/g;

function maskInstruction(text: string): string {
  const buildArgs = /^\|(\d+)\s/.exec(text);
  if (buildArgs) return maskBuildArgs(text, Number(buildArgs[1]));
  const instruction =
    /^((?:\/bin\/sh -c #\(nop\)\s+)?)(ENV|ARG)(\s+)(.*)$/s.exec(
      text.trimStart(),
    );
  if (!instruction) return text;
  const [, prefix = '', keyword = '', space = '', rest = ''] = instruction;
  const assigned = rest.replace(ASSIGNMENT, `$1=${MASK}`);
  // `ENV NAME value`, the old form with one variable and no `=`.
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+\S/.exec(rest);
  const body =
    keyword === 'ENV' && legacy && !rest.includes('=')
      ? `${legacy[1] ?? ''} ${MASK}`
      : assigned;
  return `${prefix}${keyword}${space}${body}`;
}

/** `|2 A=1 B=2 /bin/sh -c ...`: BuildKit's record of build arguments. */
function maskBuildArgs(text: string, count: number): string {
  let seen = 0;
  return text.replace(ASSIGNMENT, (match, name: string) => {
    seen += 1;
    return seen <= count ? `${name}=${MASK}` : match;
  });
}

function envName(entry: string): string {
  const equals = entry.indexOf('=');
  return equals === -1 ? entry : entry.slice(0, equals);
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function sortedRecord(
  record: Readonly<Record<string, string>>,
): Record<string, string> {
  const keys = Object.keys(record).sort();
  return Object.fromEntries(keys.map((key) => [key, String(record[key])]));
}

function platformText(platform: Platform): string {
  const parts = [platform.os, platform.architecture, platform.variant];
  return parts.filter((part) => part !== undefined && part !== '').join('/');
}
