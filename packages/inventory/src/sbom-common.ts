import { createHash } from 'node:crypto';
import type { InventoryImage, InventoryPackage } from './inventory';
import { purlFor } from './purl';
import type { Diagnostic, OsInfo } from './types';

/** How to write an SBOM. */
export interface SbomOptions {
  /**
   * When the document was made: now by default. Pass a fixed time (from
   * `SOURCE_DATE_EPOCH`, say) and the same image gives the same bytes.
   */
  timestamp?: Date;
}

/** The name tools and documents give imagegate. */
export const TOOL_NAME = 'imagegate';

/** `2024-05-01T12:00:00Z`: ISO 8601 in UTC, whole seconds, as SPDX asks. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The time to write, from the options or the clock. */
export function timestampOf(options: SbomOptions): string {
  return formatTimestamp(options.timestamp ?? new Date());
}

/**
 * A UUID derived from a document's content (RFC 9562 version 8, from
 * SHA-256), so the same content always gets the same identifier and
 * different content a different one.
 */
export function contentUuid(value: unknown): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(value))
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const text = hex.join('');
  return [
    text.slice(0, 8),
    text.slice(8, 12),
    text.slice(12, 16),
    text.slice(16, 20),
    text.slice(20),
  ].join('-');
}

/**
 * A short, stable identifier of one package record: the same package
 * found at the same place by the same cataloger keeps it across runs and
 * across images.
 */
export function packageKey(pkg: InventoryPackage): string {
  const identity = [
    pkg.type,
    pkg.name,
    pkg.version,
    pkg.purl,
    pkg.cataloger,
    ...pkg.locations,
  ];
  return createHash('sha256')
    .update(JSON.stringify(identity))
    .digest('hex')
    .slice(0, 16);
}

/**
 * The image's package URL: `pkg:oci/NAME@DIGEST` with its architecture,
 * and the repository and tag when it came from a registry.
 *
 * Limitation: an image read from an OCI layout or an archive has no
 * repository; its purl is named after the last part of its reference
 * and carries no `repository_url`.
 */
export function imagePurl(image: InventoryImage): string {
  const qualifiers: Record<string, string> = { arch: image.architecture };
  if (image.repository !== undefined) {
    qualifiers.repository_url = image.repository;
  }
  if (image.tag !== undefined) qualifiers.tag = image.tag;
  const name = imageShortName(image);
  const parts = { type: 'oci', name, version: image.digest, qualifiers };
  return purlFor(parts) ?? `pkg:oci/${name}@${image.digest}`;
}

/** The last part of the repository, or of the reference for local images. */
function imageShortName(image: InventoryImage): string {
  const path = image.repository ?? image.reference.replace(/:[^/]*$/, '');
  const last = path.split(/[/:]/).filter(Boolean).pop() ?? '';
  const name = last.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  return name === '' ? 'image' : name;
}

/** The name an SBOM gives the image: its repository or its reference. */
export function imageDisplayName(image: InventoryImage): string {
  return image.repository ?? image.reference;
}

/** `debian 12`, `alpine 3.20.3`, `wolfi`. */
export function osLabel(os: OsInfo): string {
  return [os.id, os.versionId].filter(Boolean).join(' ');
}

/** A diagnostic as one line: its cataloger, kind, path and message. */
export function diagnosticText(diagnostic: Diagnostic): string {
  const { cataloger, kind, path, message } = diagnostic;
  return [cataloger, kind, path, message].filter(Boolean).join(': ');
}

/** A document as JSON text, two-space indented, with a final newline. */
export function jsonText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * `base`, or the first of `base<separator>2`, `base<separator>3`… not in
 * `used`; the name returned is added to `used`.
 */
export function uniqueName(
  base: string,
  used: Set<string>,
  separator: string,
): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}${separator}${n}`;
  used.add(name);
  return name;
}
