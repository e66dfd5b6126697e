import { copyLocations, type CopyResult } from '@imagegate/oci';
import { imageAccess, readPlatform, type RegistryFlags } from '../image-access';
import { writeReport, type CliIo } from '../io';

/** The options `imagegate copy` takes, as commander parses them. */
export interface CopyFlags extends RegistryFlags {
  platform?: string;
  digestFile?: string;
}

/**
 * `imagegate copy SRC DST`: copies an image between registries, OCI
 * layouts and archives, keeping its digest; prints one summary line.
 */
export async function copyCommand(
  from: string,
  to: string,
  flags: CopyFlags,
  io: CliIo,
): Promise<number> {
  const platform = readPlatform(flags.platform);
  const access = imageAccess(flags, io);
  const result = await access.guard(() =>
    copyLocations(from, to, {
      ...access.open,
      ...(platform ? { platform } : {}),
    }),
  );
  if (flags.digestFile !== undefined) {
    await writeReport(io, flags.digestFile, `${result.root.digest}\n`);
  }
  io.stdout(access.redact(`${summary(from, to, result)}\n`));
  return 0;
}

function summary(from: string, to: string, result: CopyResult): string {
  const { copied, mounted, existed, skipped } = result.blobs;
  const parts = [
    `${copied} blobs copied`,
    ...(mounted > 0 ? [`${mounted} mounted`] : []),
    `${existed} already there`,
    ...(skipped > 0 ? [`${skipped} foreign layers skipped`] : []),
  ];
  return `copied ${from} to ${to}: ${result.root.digest} (${parts.join(', ')})`;
}
