import { describeImage, type ImageDescription } from './describe';
import { openImageSource, type OpenImageOptions } from './open';
import type { PlatformChoice } from './source';

/** How to inspect an image. */
export interface InspectOptions extends OpenImageOptions {
  /** The platform to describe (the runner's by default), or `all`. */
  platform?: PlatformChoice;
}

/**
 * Resolves an image at any location and describes it, one description
 * per platform chosen. Only manifests and configs are read, never layers.
 */
export async function inspectImage(
  text: string,
  options: InspectOptions = {},
): Promise<ImageDescription[]> {
  const source = openImageSource(text, options);
  try {
    const images = await source.resolve(options.platform);
    return images.map((image) => describeImage(image, source.name));
  } finally {
    await source.close();
  }
}
