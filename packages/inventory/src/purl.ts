import { PackageURL } from 'packageurl-js';
import type { OsInfo } from './types';

/** The parts of a package URL, as the purl specification names them. */
export interface PurlParts {
  /** The purl type: `deb`, `apk`, `npm`... */
  type: string;
  /** The type's namespace: a vendor, a scope, a group. */
  namespace?: string | undefined;
  name: string;
  version?: string | undefined;
  /** Qualifiers; empty or undefined values are left out. */
  qualifiers?:
    | ReadonlyMap<string, string | undefined>
    | Readonly<Record<string, string | undefined>>
    | undefined;
  subpath?: string | undefined;
}

/**
 * The canonical package URL for the parts, or undefined when they cannot
 * form one (an empty name, an illegal qualifier key). Components are
 * normalised and percent-encoded per the purl specification, with `+`
 * written as `%2B`; qualifiers are sorted by key.
 */
export function purlFor(parts: PurlParts): string | undefined {
  try {
    const purl = new PackageURL(
      parts.type,
      parts.namespace,
      parts.name,
      parts.version,
      qualifierObject(parts.qualifiers),
      parts.subpath,
    );
    return encodePlus(purl.toString());
  } catch {
    return undefined;
  }
}

/**
 * The `distro` qualifier value for OS packages, `<id>-<version>` as syft
 * writes it (`debian-12`, `alpine-3.20.3`); the codename stands in for a
 * missing version, and the bare id for both.
 *
 * Limitation: the purl specification does not fix this value's format
 * (its deb examples use a bare codename, `distro=jessie`; trivy writes a
 * bare version for apk); consumers that expect another form will not
 * read it.
 */
export function distroQualifier(os: OsInfo | undefined): string | undefined {
  if (os === undefined) return undefined;
  const release = os.versionId ?? os.codename;
  return release === undefined ? os.id : `${os.id}-${release}`;
}

function qualifierObject(
  qualifiers: PurlParts['qualifiers'],
): Record<string, string> | undefined {
  if (qualifiers === undefined) return undefined;
  const entries = isMap(qualifiers)
    ? [...qualifiers.entries()]
    : Object.entries(qualifiers);
  // A null prototype keeps a `__proto__` key an ordinary key.
  const result = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const [key, value] of entries) {
    if (value === undefined || value === '') continue;
    result[key] = value;
    count += 1;
  }
  return count === 0 ? undefined : result;
}

function isMap(
  qualifiers: NonNullable<PurlParts['qualifiers']>,
): qualifiers is ReadonlyMap<string, string | undefined> {
  return qualifiers instanceof Map;
}

// packageurl-js 2.0 leaves `+` bare; the specification now requires it
// percent-encoded everywhere but in the type, which never holds one here.
function encodePlus(purl: string): string {
  return purl.replaceAll('+', '%2B');
}
