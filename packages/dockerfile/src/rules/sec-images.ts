import type { BaseImage } from '../model';

/** Tag words that mark a trimmed-down variant of an image. */
const MINIMAL_TAG_WORDS = [
  'slim',
  'alpine',
  'minimal',
  'micro',
  'distroless',
  'chiseled',
  'busybox',
  'nano',
];

const DEBIAN_ALTERNATIVE =
  "'debian:<release>-slim' or 'gcr.io/distroless/base-debian12'";
const RPM_ALTERNATIVE =
  "'registry.access.redhat.com/ubi9/ubi-micro' or 'ubi9/ubi-minimal'";

/**
 * Full distribution and language images, keyed by repository, with what
 * to use instead.
 */
const FULL_IMAGES = new Map<string, string>([
  ['ubuntu', DEBIAN_ALTERNATIVE],
  ['debian', DEBIAN_ALTERNATIVE],
  ['buildpack-deps', DEBIAN_ALTERNATIVE],
  ['centos', RPM_ALTERNATIVE],
  ['fedora', RPM_ALTERNATIVE],
  ['rockylinux', RPM_ALTERNATIVE],
  ['almalinux', RPM_ALTERNATIVE],
  ['oraclelinux', RPM_ALTERNATIVE],
  ['ubi8/ubi', RPM_ALTERNATIVE],
  ['ubi9/ubi', RPM_ALTERNATIVE],
  ['amazonlinux', "'amazonlinux:2023-minimal'"],
  ['opensuse/leap', "'registry.suse.com/bci/bci-micro'"],
  ['opensuse/tumbleweed', "'registry.suse.com/bci/bci-micro'"],
  ['archlinux', "'alpine' or a distroless image"],
  ['node', "'node:<version>-slim' or 'gcr.io/distroless/nodejs22-debian12'"],
  ['python', "'python:<version>-slim' or 'gcr.io/distroless/python3-debian12'"],
  ['ruby', "'ruby:<version>-slim' or 'ruby:<version>-alpine'"],
  ['php', "'php:<version>-fpm-alpine'"],
  ['perl', "'perl:<version>-slim'"],
  ['golang', "'gcr.io/distroless/static-debian12' or 'scratch'"],
  ['rust', "'gcr.io/distroless/cc-debian12' or 'scratch'"],
  ['gcc', "'gcr.io/distroless/cc-debian12'"],
  ['openjdk', "'eclipse-temurin:<version>-jre-alpine' or distroless java"],
  ['eclipse-temurin', "'eclipse-temurin:<version>-jre-alpine'"],
  ['maven', "'eclipse-temurin:<version>-jre-alpine' or distroless java"],
  ['gradle', "'eclipse-temurin:<version>-jre-alpine' or distroless java"],
]);

/** Images that are build toolchains whatever their tag. */
const TOOLCHAIN_IMAGES = new Map<string, string>([
  ['golang', 'the Go toolchain'],
  ['rust', 'the Rust toolchain'],
  ['gcc', 'the GNU compilers'],
  ['buildpack-deps', 'compilers and build tools'],
  ['maven', 'Maven and a JDK'],
  ['gradle', 'Gradle and a JDK'],
  ['sbt', 'sbt and a JDK'],
  ['dotnet/sdk', 'the .NET SDK'],
]);

/** JDK images, toolchains unless the tag names a JRE. */
const JDK_IMAGES = new Map(
  ['openjdk', 'eclipse-temurin', 'amazoncorretto', 'sapmachine', 'ibmjava'].map(
    (name) => [name, 'a JDK'] as const,
  ),
);

/**
 * The entry for a repository: Docker Hub official names match as written,
 * under `library/` and behind a mirror path (`.../library/node`); keys
 * with a namespace (`ubi9/ubi`) also match as a path suffix. So
 * `cgr.dev/chainguard/node` is not taken for Docker Hub's `node`.
 */
function lookupRepository<T>(
  table: ReadonlyMap<string, T>,
  repository: string,
): T | undefined {
  const lower = repository.toLowerCase();
  for (const [key, value] of table) {
    const isOfficial =
      lower === key ||
      lower === `library/${key}` ||
      lower.endsWith(`/library/${key}`);
    const isNamespaced = key.includes('/') && lower.endsWith(`/${key}`);
    if (isOfficial || isNamespaced) return value;
  }
  return undefined;
}

function hasMinimalTag(image: BaseImage): boolean {
  const tag = (image.tag ?? '').toLowerCase();
  return MINIMAL_TAG_WORDS.some((word) => tag.includes(word));
}

/**
 * What to use instead when `image` is a full distribution or language
 * image; undefined when it is minimal or unknown.
 * Limitation: images not in the table (company base images, vendor
 * images) are taken to be minimal, and a digest without a tag is judged
 * by the repository alone.
 */
export function minimalAlternative(image: BaseImage): string | undefined {
  if (hasMinimalTag(image)) return undefined;
  return lookupRepository(FULL_IMAGES, image.repository);
}

/** What toolchain `image` carries, or undefined when it is not one. */
export function toolchainOfImage(image: BaseImage): string | undefined {
  const toolchain = lookupRepository(TOOLCHAIN_IMAGES, image.repository);
  if (toolchain !== undefined) return toolchain;
  const isJre = (image.tag ?? '').toLowerCase().includes('jre');
  return isJre ? undefined : lookupRepository(JDK_IMAGES, image.repository);
}
