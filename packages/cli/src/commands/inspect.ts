import { inspectImage } from '@imagegate/oci';
import { imageAccess, readPlatform, type RegistryFlags } from '../image-access';
import { writeReport, type CliIo } from '../io';

/** The options `imagegate inspect` takes, as commander parses them. */
export interface InspectFlags extends RegistryFlags {
  platform?: string;
  output?: string;
}

/**
 * `imagegate inspect IMAGE`: prints the image's description as JSON; with
 * `--platform all`, an array with one per platform.
 */
export async function inspectCommand(
  image: string,
  flags: InspectFlags,
  io: CliIo,
): Promise<number> {
  const platform = readPlatform(flags.platform);
  const access = imageAccess(flags, io);
  const described = await access.guard(() =>
    inspectImage(image, { ...access.open, ...(platform ? { platform } : {}) }),
  );
  const value = platform === 'all' ? described : described[0];
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeReport(io, flags.output, access.redact(text));
  return 0;
}
