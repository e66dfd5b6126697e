/** The fields of a core-metadata file (`METADATA`, `PKG-INFO`). */
export type MetadataHeaders = ReadonlyMap<string, readonly string[]>;

/** Longest `License` value taken as a licence name, not a licence text. */
const MAX_LICENSE_NAME = 128;

/**
 * Reads the header section of Python core metadata, an RFC 822 style
 * block: `Key: value` lines, continuation lines that start with a space
 * or a tab, ended by the first empty line after a header (the
 * description body follows in `METADATA` 2.1 and later). Keys are
 * lower-cased; repeated keys (`Classifier`) keep every value, and single
 * ones read the first, as Python's `importlib.metadata` does. Linear in
 * the text.
 */
export function parseMetadataHeaders(text: string): MetadataHeaders {
  const headers = new Map<string, string[]>();
  let last: { values: string[]; index: number } | undefined;
  for (const line of text.split('\n').map((l) => l.replace(/\r$/, ''))) {
    if (line === '') {
      if (headers.size === 0) continue;
      break;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last !== undefined) {
        const previous = last.values[last.index] ?? '';
        last.values[last.index] = `${previous}\n${line.trim()}`;
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(key, values);
    last = { values, index: values.length - 1 };
  }
  return headers;
}

/** The first value of a header, when it has something besides blanks. */
export function headerValue(
  headers: MetadataHeaders,
  key: string,
): string | undefined {
  const value = headers.get(key.toLowerCase())?.[0]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Licences in the order of precedence the packaging specifications give
 * them: `License-Expression` (PEP 639), else the specific `License ::`
 * trove classifiers, else a one-line `License` field. `UNKNOWN`, which
 * old setuptools wrote for "not given", counts as absent.
 *
 * Limitation: a `License` field holding a whole licence text, and
 * `License-File` entries (the text lives in another file), give no
 * licence.
 */
export function metadataLicenses(headers: MetadataHeaders): string[] {
  const expression = headerValue(headers, 'License-Expression');
  if (expression !== undefined) return [expression];
  const classified = (headers.get('classifier') ?? []).flatMap(
    classifierLicense,
  );
  if (classified.length > 0) return [...new Set(classified)];
  const field = headerValue(headers, 'License');
  if (field === undefined || field.toUpperCase() === 'UNKNOWN') return [];
  if (field.includes('\n') || field.length > MAX_LICENSE_NAME) return [];
  return [field];
}

/** Umbrella classifiers that name no licence by themselves. */
const LICENSE_GROUPS = new Set(['OSI Approved', 'DFSG approved']);

/** `License :: OSI Approved :: MIT License` → `MIT License`. */
function classifierLicense(classifier: string): string[] {
  const parts = classifier.split('::').map((part) => part.trim());
  if (parts[0] !== 'License' || parts.length < 2) return [];
  const last = parts[parts.length - 1] ?? '';
  return LICENSE_GROUPS.has(last) || last === '' ? [] : [last];
}

/** A project name normalised per PEP 503: lower case, runs of `-_.` → `-`. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
