import {
  formatSbom,
  inventoryImage,
  parseSbomFormat,
  type Inventory,
  type SbomOptions,
} from '@imagegate/inventory';
import {
  openImageSource,
  type OpenImageOptions,
  type Platform,
} from '@imagegate/oci';
import { imageAccess, readPlatform, type RegistryFlags } from '../image-access';
import { CliError, writeReport, type CliIo } from '../io';

/** The options `imagegate sbom` takes, as commander parses them. */
export interface SbomFlags extends RegistryFlags {
  format: string;
  output?: string;
  platform?: string;
}

/**
 * `imagegate sbom IMAGE`: takes the image's inventory in one walk of its
 * layers and writes it as CycloneDX 1.6 JSON, SPDX 2.3 JSON or
 * imagegate's own JSON. With `SOURCE_DATE_EPOCH` set, that time is the
 * document's timestamp, so a rebuild of the SBOM gives the same bytes.
 *
 * An incomplete inventory (a layer cut short, a database unreadable) is
 * still written, marked incomplete inside the document, and each reason
 * is printed as a warning; the exit status stays 0 because no gate was
 * asked for.
 *
 * Limitation: one platform per document; `--platform all` is refused
 * rather than writing one SBOM per platform.
 */
export async function sbomCommand(
  image: string,
  flags: SbomFlags,
  io: CliIo,
): Promise<number> {
  const format = parseSbomFormat(flags.format);
  const platform = readPlatform(flags.platform);
  if (platform === 'all') {
    throw new CliError(
      "--platform all: an SBOM describes one platform; name one, such as 'linux/arm64'",
    );
  }
  const options = sbomOptions(io.env);
  const access = imageAccess(flags, io);
  const inventory = await access.guard(() =>
    takeInventory(image, platform, access.open),
  );
  const text = formatSbom(inventory, format, options);
  await writeReport(io, flags.output, access.redact(text));
  return 0;
}

async function takeInventory(
  image: string,
  platform: Platform | undefined,
  open: OpenImageOptions,
): Promise<Inventory> {
  const source = openImageSource(image, open);
  try {
    const [resolved] = await source.resolve(platform);
    if (resolved === undefined) {
      throw new CliError(`${image}: no image was found for the platform`);
    }
    return await inventoryImage(source, resolved, {
      reference: image,
      ...(open.logger === undefined ? {} : { logger: open.logger }),
    });
  } finally {
    await source.close();
  }
}

/** The document time: `SOURCE_DATE_EPOCH` when set, else now. */
function sbomOptions(env: NodeJS.ProcessEnv): SbomOptions {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return {};
  if (!/^\d{1,12}$/.test(epoch)) {
    throw new CliError(
      `SOURCE_DATE_EPOCH '${epoch.slice(0, 32)}' is not a number of seconds since 1970`,
    );
  }
  return { timestamp: new Date(Number(epoch) * 1000) };
}
