import { join } from 'node:path';
import { openImageSource } from '@imagegate/oci';
import {
  buildImage,
  withTempDir,
  writeOciLayout,
  type ImageSpec,
} from '@imagegate/test-support';
import {
  inventoryImage,
  type Inventory,
  type InventoryOptions,
  type OsSubscriber,
} from '../src/inventory';
import type {
  CatalogFile,
  Cataloger,
  CatalogResult,
  Diagnostic,
  OsInfo,
  Package,
} from '../src/types';

const text = new TextDecoder();

/**
 * A small dpkg-like cataloger for tests: reads `Package`, `Version` and
 * `License` stanzas from `/var/lib/dpkg/status`.
 */
export function statusCataloger(): Cataloger {
  const files: CatalogFile[] = [];
  return {
    name: 'fake-status',
    paths: ['/var/lib/dpkg/status'],
    maxBytes: 1024 * 1024,
    add: (file) => files.push(file),
    finish: () => ({
      packages: files.flatMap((file) => stanzas(file)),
      diagnostics: [],
      complete: true,
    }),
  };
}

function stanzas(file: CatalogFile): Package[] {
  if (file.content === undefined) return [];
  return text
    .decode(file.content)
    .split(/\n\n+/)
    .flatMap((stanza): Package[] => {
      const field = (name: string) =>
        new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1];
      const name = field('Package');
      const version = field('Version');
      if (name === undefined || version === undefined) return [];
      const license = field('License');
      return [
        {
          name,
          version,
          type: 'deb',
          purl: `pkg:deb/debian/${name}@${version}?arch=amd64`,
          licenses: license === undefined ? [] : license.split(' | '),
          source: { name: field('Source') ?? name, version: undefined },
          architecture: 'amd64',
          locations: [file.path],
          layerIndex: file.layerIndex,
          cataloger: 'fake-status',
        },
      ];
    });
}

/**
 * A cataloger of `/pkgs/*.txt`, each file holding `name version`: one
 * package per file, so whiteouts of single files can be tested.
 */
export function recordCataloger(maxBytes = 4096): Cataloger {
  const files: CatalogFile[] = [];
  return {
    name: 'fake-record',
    paths: ['/pkgs/*.txt'],
    maxBytes,
    add: (file) => files.push(file),
    finish: () => ({
      packages: files.flatMap((file): Package[] => {
        if (file.content === undefined) return [];
        const [name = '', version = ''] = text.decode(file.content).split(' ');
        return [
          {
            name,
            version: version.trim(),
            type: 'npm',
            purl: `pkg:npm/${name}@${version.trim()}`,
            licenses: ['MIT'],
            locations: [file.path],
            layerIndex: file.layerIndex,
            cataloger: 'fake-record',
          },
        ];
      }),
      diagnostics: [],
      complete: true,
    }),
  };
}

/** A cataloger whose result is fixed, for error and ordering tests. */
export function fixedCataloger(
  name: string,
  result: CatalogResult | (() => CatalogResult),
): Cataloger {
  return {
    name,
    paths: [],
    maxBytes: 0,
    add: () => undefined,
    finish: () => (typeof result === 'function' ? result() : result),
  };
}

/** An OS detector that reads `ID=` and `VERSION_ID=` of /etc/os-release. */
export function fakeOsDetector(supportedIds = ['debian']): OsSubscriber {
  let found: OsInfo | undefined;
  return {
    name: 'fake-os',
    paths: ['/etc/os-release'],
    maxBytes: 4096,
    add: (file) => {
      if (file.content === undefined) return;
      const body = text.decode(file.content);
      const id = /^ID=(.*)$/m.exec(body)?.[1];
      if (id === undefined) return;
      found = {
        id,
        versionId: /^VERSION_ID="?([^"\n]*)"?$/m.exec(body)?.[1],
        codename: undefined,
        prettyName: undefined,
        idLike: [],
        source: file.path,
        supported: supportedIds.includes(id),
      };
    },
    finish: () => ({ os: found, diagnostics: [] }),
  };
}

export const DEBIAN_OS_RELEASE = 'ID=debian\nVERSION_ID="12"\n';

/** dpkg status text of the named `name=version` packages. */
export function statusFile(
  packages: readonly (readonly [string, string, string?])[],
): string {
  return packages
    .map(
      ([name, version, license]) =>
        `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\n` +
        (license === undefined ? '' : `License: ${license}\n`),
    )
    .join('\n');
}

/**
 * Builds the image, writes it as an OCI layout in a temporary folder and
 * takes its inventory with the fake catalogers and OS detector, unless
 * the options name others or `real` asks for the package's own.
 */
export async function inventoryOf(
  spec: ImageSpec,
  options: InventoryOptions = {},
  real: { os?: boolean; catalogers?: boolean } = {},
): Promise<Inventory> {
  return withTempDir(async (dir) => {
    const layout = join(dir, 'layout');
    await writeOciLayout(layout, [{ item: buildImage(spec), refName: 'v1' }]);
    const source = openImageSource(`oci:${layout}:v1`);
    try {
      const [resolved] = await source.resolve();
      if (resolved === undefined) throw new Error('no image resolved');
      return await inventoryImage(source, resolved, {
        ...(real.catalogers === true
          ? {}
          : { catalogers: [statusCataloger(), recordCataloger()] }),
        ...(real.os === true ? {} : { osDetector: fakeOsDetector() }),
        reference: 'registry.example/team/app:1.0',
        ...options,
      });
    } finally {
      await source.close();
    }
  });
}

/**
 * A Debian-like image: the OS and two packages in the base layer, a
 * package added by a later layer's new status file, record files of
 * which a last layer deletes one.
 */
export const SAMPLE_IMAGE: ImageSpec = {
  emptyLayerHistory: ['ARG VERSION=1', 'ENV TOKEN=canary-4711-secret'],
  layers: [
    {
      createdBy: '/bin/sh -c #(nop) ADD file:base in /',
      entries: [
        { name: 'etc/os-release', content: DEBIAN_OS_RELEASE },
        {
          name: 'var/lib/dpkg/status',
          content: statusFile([
            ['libc6', '2.36-9', 'LGPL-2.1-or-later'],
            ['base-files', '12.4'],
          ]),
        },
      ],
    },
    {
      createdBy: '|1 TOKEN=canary-4711-secret /bin/sh -c apt-get install curl',
      entries: [
        {
          name: 'var/lib/dpkg/status',
          content: statusFile([
            ['libc6', '2.36-9', 'LGPL-2.1-or-later'],
            ['base-files', '12.4'],
            ['curl', '7.88.1-10', 'curl | GPL-2+'],
          ]),
        },
      ],
    },
    {
      createdBy: 'COPY pkgs /pkgs',
      entries: [
        { name: 'pkgs/alpha.txt', content: 'alpha 1.0.0' },
        { name: 'pkgs/beta.txt', content: 'beta 2.0.0' },
      ],
    },
    {
      createdBy: 'RUN rm /pkgs/beta.txt',
      entries: [{ name: 'pkgs/.wh.beta.txt', content: '' }],
    },
  ],
};

/** A package record for format tests. */
export function samplePackage(overrides: Partial<Package> = {}): Package {
  return {
    name: 'zlib',
    version: '1.3',
    type: 'apk',
    purl: 'pkg:apk/alpine/zlib@1.3?arch=x86_64',
    licenses: ['Zlib'],
    architecture: 'x86_64',
    locations: ['/lib/apk/db/installed'],
    layerIndex: 0,
    cataloger: 'apk',
    ...overrides,
  };
}

/** A diagnostic for format tests. */
export const SAMPLE_DIAGNOSTIC: Diagnostic = {
  cataloger: 'fake-status',
  path: '/var/lib/dpkg/status',
  kind: 'skipped-record',
  message: 'stanza 3 has no Version; skipped',
};

/** The time SBOM tests write, and a later one. */
export const TIMESTAMP = new Date('2024-05-01T12:00:00.000Z');
export const LATER_TIMESTAMP = new Date('2025-01-02T03:04:05.678Z');

/** The inventory with other packages, made from `samplePackage`. */
export function withPackages(
  inventory: Inventory,
  packages: readonly Partial<Package>[],
): Inventory {
  return {
    ...inventory,
    packages: packages.map((overrides) => ({
      ...samplePackage(overrides),
      layerDigest: undefined,
      layerDiffId: undefined,
      createdBy: undefined,
    })),
  };
}
