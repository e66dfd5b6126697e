import type { BaseImage } from '../model';
import { hitOn, type LintRule } from '../rule';
import { externalStages } from './base-image';
import { minimalAlternative } from './sec-images';
import { finalImage } from './sec-stages';

export const baseImageDigest: LintRule = {
  id: 'base-image-digest',
  title: 'Base image is not pinned by digest',
  severity: 'medium',
  rationale:
    'A tag is a pointer the publisher (or anyone who takes over the repository) can move at any time. Without a digest, two builds of the same commit may start from different images, and a compromised registry account can slip new code into every build that follows. A digest names exactly the bytes you reviewed and scanned.',
  fix: 'Pin every external base image by digest and keep the tag for readers: `FROM node:22-slim@sha256:<digest>`. Let a bot such as Renovate or Dependabot propose digest updates so pinning does not freeze security fixes out.',
  aliases: [],
  tags: ['security', 'supply-chain', 'base-image', 'reproducibility'],
  // Limitation: a base chosen by an ARG with no default (`FROM $BASE`) is
  // skipped, since the image and its digest are only known at build time.
  check: ({ dockerfile }) =>
    externalStages(dockerfile.stages)
      .filter(({ from }) => from.digest === undefined)
      .filter(({ from }) => !from.hasUnresolvedVariable)
      .map(({ from, fromInstruction }) =>
        hitOn(
          fromInstruction,
          `'${from.resolved}' is not pinned by digest; write it as '${withoutDigest(from)}@sha256:<digest>'`,
        ),
      ),
};

function withoutDigest(image: BaseImage): string {
  const name =
    image.registry === undefined
      ? image.repository
      : `${image.registry}/${image.repository}`;
  return image.tag === undefined ? name : `${name}:${image.tag}`;
}

export const allowedBaseImage: LintRule = {
  id: 'allowed-base-image',
  title: 'Base image is not on the allowed list',
  severity: 'high',
  rationale:
    'Every base image runs its code in your build and ships its files in your product. Organisations keep a short list of images they trust, patch and scan; an image from outside that list has no one watching it and may come from a typo-squatted or abandoned repository.',
  fix: 'Start from one of the images in `lint.allowed-base-images` of `.imagegate.yaml`, or have the image reviewed and add a pattern for it there (`*` matches any run of characters, for example `cgr.dev/chainguard/*`).',
  aliases: ['CIS-DI-0002'],
  tags: ['security', 'supply-chain', 'base-image', 'policy'],
  check: ({ dockerfile, options }) => {
    const patterns = options.allowedBaseImages;
    if (patterns.length === 0) return [];
    return externalStages(dockerfile.stages)
      .filter(({ from }) => !isAllowed(from, patterns))
      .map(({ from, fromInstruction }) =>
        hitOn(fromInstruction, notAllowedMessage(from, patterns)),
      );
  },
};

/**
 * Limitation: an ARG default is checked as written; a `--build-arg` given
 * at build time can still swap the image, which only a build-time policy
 * (or an admission check on the result) can catch.
 */
function notAllowedMessage(image: BaseImage, patterns: string[]): string {
  const allowed = patterns.map((pattern) => `'${pattern}'`).join(', ');
  if (image.hasUnresolvedVariable) {
    return `'${image.raw}' is chosen by a build argument with no default, so it cannot be checked against the allowed base images (${allowed})`;
  }
  return `'${image.resolved}' matches none of the allowed base images (${allowed})`;
}

function isAllowed(image: BaseImage, patterns: readonly string[]): boolean {
  if (image.hasUnresolvedVariable) return false;
  const candidates = referenceForms(image);
  return patterns.some((pattern) =>
    candidates.some((candidate) => matchesPattern(pattern, candidate)),
  );
}

const DOCKER_HUB = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
]);

/**
 * The spellings a pattern may be written against: short (`alpine`) and
 * fully qualified (`docker.io/library/alpine`), each bare, with the tag,
 * with the digest and with both.
 */
function referenceForms(image: BaseImage): string[] {
  const { tag, digest } = image;
  const tagPart = tag === undefined ? '' : `:${tag}`;
  const digestPart = digest === undefined ? '' : `@${digest}`;
  return nameForms(image).flatMap((name) => [
    name,
    `${name}${tagPart}`,
    `${name}${digestPart}`,
    `${name}${tagPart}${digestPart}`,
  ]);
}

/** `alpine` and `docker.io/library/alpine`; other registries as written. */
function nameForms({ registry, repository }: BaseImage): string[] {
  if (registry !== undefined && !DOCKER_HUB.has(registry.toLowerCase())) {
    return [`${registry}/${repository}`];
  }
  const path = repository.includes('/') ? repository : `library/${repository}`;
  const library = 'library/';
  const short = path.startsWith(library) ? path.slice(library.length) : path;
  return [short, `docker.io/${path}`];
}

/**
 * Matches `text` against a pattern where `*` stands for any run of
 * characters, ignoring case. Greedy matching with one backtrack point
 * keeps it at most proportional to pattern length times text length.
 */
export function matchesPattern(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] === '*') {
      star = pi;
      resume = ti;
      pi += 1;
    } else if (pi < p.length && p[pi] === t[ti]) {
      pi += 1;
      ti += 1;
    } else if (star !== -1) {
      pi = star + 1;
      resume += 1;
      ti = resume;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

export const minimalBaseImage: LintRule = {
  id: 'minimal-base-image',
  title: 'Final image is built on a full distribution image',
  severity: 'low',
  rationale:
    'A full distribution or language image brings a shell, a package manager, compilers and hundreds of libraries the application never calls. Each one is attack surface for whoever gets code running in the container, and each one adds vulnerabilities to every scan, burying the few that matter. Slim, Alpine, distroless and Chainguard images carry only what a runtime needs.',
  fix: 'Build in a full image if you must, then copy the result into a minimal final stage: `FROM gcr.io/distroless/static-debian12` for static binaries, a `-slim` or `-alpine` tag for interpreted languages, or `scratch`.',
  aliases: [],
  tags: ['security', 'attack-surface', 'base-image'],
  check: ({ dockerfile }) => {
    const image = finalImage(dockerfile);
    if (image === undefined) return [];
    const { from, fromInstruction } = image.root;
    if (from.isScratch || from.isStage) return [];
    const alternative = minimalAlternative(from);
    if (alternative === undefined) return [];
    return [
      hitOn(
        fromInstruction,
        `the final image is built on '${from.resolved}', a full distribution image; consider ${alternative}`,
      ),
    ];
  },
};
