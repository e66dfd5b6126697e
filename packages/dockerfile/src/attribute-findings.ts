import type { Finding } from '@imagegate/findings';
import { findLayerSource, type LayerLineMap } from './history-map';

/**
 * Points image findings at the Dockerfile line that made their layer.
 *
 * A finding whose `location.layerDigest` maps to an instruction gets
 * `path`, `line` and `endLine`; one from the base image gets the FROM
 * line and a note naming the base image. When the layer cannot be
 * matched, or no Dockerfile is known (`dockerfilePath` undefined), the
 * finding keeps pointing at the image and its message says so.
 * `dockerfilePath` is the repository-relative path written into the
 * locations. Findings that already have a path are returned as they are;
 * fingerprints never change.
 */
export function attributeFindings(
  findings: readonly Finding[],
  map: LayerLineMap | undefined,
  dockerfilePath: string | undefined,
): Finding[] {
  return findings.map((finding) => {
    if (!isImageFinding(finding)) return finding;
    if (dockerfilePath === undefined) {
      return withNote(finding, NO_DOCKERFILE_NOTE);
    }
    return attributeOne(finding, map, toRepositoryPath(dockerfilePath));
  });
}

/** The note on image findings when no Dockerfile is known. */
export const NO_DOCKERFILE_NOTE =
  'No Dockerfile was given, so this points at the image.';

function isImageFinding(finding: Finding): boolean {
  const { path, image, layerDigest } = finding.location;
  return (
    path === undefined && (image !== undefined || layerDigest !== undefined)
  );
}

function attributeOne(
  finding: Finding,
  map: LayerLineMap | undefined,
  path: string,
): Finding {
  const { layerDigest } = finding.location;
  if (layerDigest === undefined) return finding;
  if (map === undefined) {
    return withNote(finding, 'The image history was not available.');
  }
  const source = findLayerSource(map, layerDigest);
  if (source === undefined) {
    return withNote(
      finding,
      `Layer ${short(layerDigest)} is not in the image.`,
    );
  }
  const { origin } = source;
  if (origin.kind === 'unmatched') {
    return withNote(
      finding,
      `Its layer could not be matched to a Dockerfile line: ${origin.reason}.`,
    );
  }
  const located = withLines(finding, path, origin.lines);
  if (origin.kind === 'instruction') return located;
  return withNote(located, `It comes from the base image '${origin.image}'.`);
}

function withLines(
  finding: Finding,
  path: string,
  lines: { startLine: number; endLine: number },
): Finding {
  return {
    ...finding,
    location: {
      ...finding.location,
      path,
      line: lines.startLine,
      endLine: lines.endLine,
    },
  };
}

/** Appends a sentence to the message, once. */
function withNote(finding: Finding, note: string): Finding {
  if (finding.message.includes(note)) return finding;
  const message = finding.message === '' ? note : `${finding.message} ${note}`;
  return { ...finding, message };
}

/** Forward slashes, no leading `./`, as SARIF and GitHub expect. */
function toRepositoryPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function short(digest: string): string {
  const hex = digest.replace(/^[a-z0-9]+:/, '');
  return `${digest.slice(0, digest.length - hex.length)}${hex.slice(0, 12)}`;
}
