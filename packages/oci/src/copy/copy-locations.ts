import {
  createImageClient,
  openImageDestination,
  openSourceAt,
  type OpenImageOptions,
} from '../open';
import { parseImageLocation } from '../reference-location';
import { copyImage, type CopyOptions, type CopyResult } from './copy-image';

/** How to copy between two locations. */
export interface CopyLocationsOptions extends OpenImageOptions, CopyOptions {}

/**
 * Copies an image from one location to another (see `copyImage`). Both
 * are parsed before anything is read, and one registry client serves
 * both sides, so a copy within one registry mounts blobs across
 * repositories and authenticates once.
 */
export async function copyLocations(
  from: string,
  to: string,
  options: CopyLocationsOptions = {},
): Promise<CopyResult> {
  const location = parseImageLocation(from);
  const target = parseImageLocation(to);
  const needsClient =
    location.kind === 'registry' || target.kind === 'registry';
  const client =
    options.client ?? (needsClient ? createImageClient(options) : undefined);
  const shared = client === undefined ? options : { ...options, client };
  try {
    const destination = openImageDestination(to, shared);
    const source = openSourceAt(location, shared);
    try {
      return await copyImage(source, destination, options);
    } finally {
      await source.close();
      await destination.close();
    }
  } finally {
    if (options.client === undefined) await client?.close();
  }
}
