import type { Digest } from '../digest';
import { MediaType } from '../media-types';
import type { ImageSource, ResolvedImage } from '../source';
import type { Descriptor } from '../types';
import {
  walkLayers,
  type LayerInput,
  type WalkOptions,
  type WalkResult,
} from './walk';

/** How to walk an image from a source. */
export interface WalkImageOptions extends WalkOptions {
  /**
   * Read foreign (non-distributable) layers through the source too. Off by
   * default: such layers are skipped and the result is incomplete.
   */
  includeForeignLayers?: boolean;
}

const FOREIGN_TYPES: ReadonlySet<string> = new Set([
  MediaType.dockerForeignLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/**
 * Walks a resolved image's layers from its source, each blob verified by
 * the source and each layer's uncompressed bytes checked against the
 * config's diff_ids when their counts agree.
 */
export async function walkImage(
  source: ImageSource,
  image: ResolvedImage,
  options: WalkImageOptions = {},
): Promise<WalkResult> {
  const layers = image.manifest.layers;
  const diffIds = image.config.rootfs.diff_ids;
  const useDiffIds = diffIds.length === layers.length;
  const inputs = layers.map((layer, i) =>
    layerInput(source, layer, useDiffIds ? diffIds[i] : undefined, options),
  );
  const result = await walkLayers(inputs, options);
  if (!useDiffIds && diffIds.length > 0) {
    result.complete = false;
    result.problems.push({
      code: 'bad-manifest',
      message:
        `${source.name}: the config lists ${diffIds.length} diff_ids for ` +
        `${layers.length} layers; the layers were not checked against them`,
    });
  }
  return result;
}

function layerInput(
  source: ImageSource,
  layer: Descriptor,
  diffId: Digest | undefined,
  options: WalkImageOptions,
): LayerInput {
  const input: LayerInput = {
    label: layer.digest,
    open: () => source.openBlob(layer),
  };
  if (diffId !== undefined) input.diffId = diffId;
  if (isForeign(layer) && options.includeForeignLayers !== true) {
    input.skip = {
      code: 'unsupported',
      message:
        `${source.name}: layer ${layer.digest} is a foreign layer` +
        `${layer.urls === undefined ? '' : ` at ${layer.urls.join(', ')}`}; ` +
        'it is not fetched unless foreign layers are included',
    };
  }
  return input;
}

function isForeign(layer: Descriptor): boolean {
  return FOREIGN_TYPES.has(layer.mediaType) || (layer.urls?.length ?? 0) > 0;
}
