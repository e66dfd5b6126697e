import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DockerArchiveSource, OciLayoutSource } from '@imagegate/oci';
import type { ImageSource } from '@imagegate/oci';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  APP_PACKAGES,
  REMOVED_PACKAGE,
  debianImage,
  missingDebianTools,
  type DebianImage,
} from '../bench/debian-image';
import {
  inventoryImage,
  type Inventory,
} from '../packages/inventory/src/index';

/**
 * inventoryImage over a real four-layer Debian image (bench/debian-image.ts):
 * debootstrap minbase, an apt layer with Python 3 and Node.js, an npm
 * application, and a whiteout deleting one of its packages. The image is
 * cached below /tmp; a cold build reuses the debootstrap test's root and
 * needs root, chroot and Debian's mirror. Without them the test skips,
 * unless IMAGEGATE_DEBOOTSTRAP=1 demands it.
 */
const missing = missingDebianTools();
if (missing !== undefined) {
  if (process.env.IMAGEGATE_DEBOOTSTRAP === '1') {
    throw new Error(`IMAGEGATE_DEBOOTSTRAP=1, but ${missing}`);
  }
  console.warn(
    `skipping the Debian image test: ${missing} (run as root with ` +
      'debootstrap installed, or set IMAGEGATE_DEBOOTSTRAP=1 to make this ' +
      'a failure)',
  );
}

const sources: [string, (image: DebianImage) => ImageSource][] = [
  ['docker archive', (image) => new DockerArchiveSource(image.archive)],
  ['OCI layout', (image) => new OciLayoutSource(image.layout)],
];

describe.skipIf(missing !== undefined)(
  'inventoryImage on a multi-layer Debian image',
  () => {
    let image: DebianImage;

    beforeAll(async () => {
      image = await debianImage();
    }, 900_000);

    describe.each(sources)('read as a %s', (_name, open) => {
      let inventory: Inventory;

      beforeAll(async () => {
        const source = open(image);
        try {
          const [resolved] = await source.resolve();
          if (resolved === undefined) throw new Error('no image');
          inventory = await inventoryImage(source, resolved);
        } finally {
          await source.close();
        }
      }, 120_000);

      it('finds as many dpkg packages as dpkg-query on the final root', () => {
        const packages = ofType(inventory, 'deb');

        const expected = dpkgQuery(join(image.aptRoot, 'var/lib/dpkg'));
        expect(packages).toHaveLength(expected.length);
        expect(
          packages.map((pkg) => `${pkg.name} ${pkg.version}`).sort(),
        ).toEqual(expected);
        expect(inventory.os?.id).toBe('debian');
      });

      it('finds the Python packages apt installed', () => {
        const names = ofType(inventory, 'pypi').map((pkg) => pkg.name);

        expect(names.sort()).toEqual(['idna', 'six']);
      });

      it('finds the npm packages but the whited-out one', () => {
        const names = ofType(inventory, 'npm').map((pkg) => pkg.name);

        const kept = APP_PACKAGES.map(
          (spec) => spec.split('@')[0] ?? spec,
        ).filter((name) => name !== REMOVED_PACKAGE);
        expect(names.sort()).toEqual(kept.sort());
        expect(names).not.toContain(REMOVED_PACKAGE);
      });
    });
  },
);

function ofType(inventory: Inventory, type: string) {
  return inventory.packages.filter((pkg) => pkg.type === type);
}

/**
 * `dpkg-query -W --admindir=…` (the lines `wc -l` would count), as
 * `name version`, sorted.
 */
function dpkgQuery(adminDir: string): string[] {
  const run = spawnSync(
    'dpkg-query',
    ['-W', `--admindir=${adminDir}`, '-f=${Package} ${Version}\\n'],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`dpkg-query failed: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .sort();
}
