import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DpkgCataloger } from '../packages/inventory/src/catalogers/dpkg';
import { detectOs } from '../packages/inventory/src/os-release';
import { minbaseRoot } from '../bench/debian-image';

/**
 * The dpkg cataloger over a real Debian root made by `debootstrap
 * --variant=minbase`, checked against dpkg-query's own reading of it.
 * The root is cached (IMAGEGATE_DEBOOTSTRAP_CACHE, default
 * /tmp/imagegate-debootstrap); building it takes a minute and needs
 * root, debootstrap, dpkg-query and Debian's mirror. Without them the
 * test skips, unless IMAGEGATE_DEBOOTSTRAP=1 demands it.
 */
const SUITE = process.env.IMAGEGATE_DEBOOTSTRAP_SUITE ?? 'bookworm';
const CACHE =
  process.env.IMAGEGATE_DEBOOTSTRAP_CACHE ?? '/tmp/imagegate-debootstrap';
const ROOT = join(CACHE, `${SUITE}-minbase`);
const ADMIN_DIR = join(ROOT, 'var/lib/dpkg');

const missing = missingTools();
const required = process.env.IMAGEGATE_DEBOOTSTRAP === '1';
if (missing !== undefined) {
  if (required) {
    throw new Error(`IMAGEGATE_DEBOOTSTRAP=1, but ${missing}`);
  }
  console.warn(
    `skipping the debootstrap test: ${missing} ` +
      '(apt-get install -y debootstrap, run as root, or set ' +
      'IMAGEGATE_DEBOOTSTRAP=1 to make this a failure)',
  );
}

describe.skipIf(missing !== undefined)(
  'DpkgCataloger on a debootstrap root',
  () => {
    beforeAll(() => {
      minbaseRoot();
    }, 900_000);

    it('finds the packages dpkg-query lists', () => {
      const cataloger = new DpkgCataloger();
      cataloger.add({
        path: '/var/lib/dpkg/status',
        content: readFileSync(join(ADMIN_DIR, 'status')),
        layerIndex: 0,
      });
      const { os } = detectOs([
        {
          path: '/usr/lib/os-release',
          content: readFileSync(join(ROOT, 'usr/lib/os-release')),
          layerIndex: 0,
        },
      ]);

      const result = cataloger.finish({ os });

      const expected = dpkgQuery();
      expect(result.packages).toHaveLength(dpkgQueryCount());
      expect(
        result.packages.map((pkg) => `${pkg.name} ${pkg.version}`).sort(),
      ).toEqual(expected);
      expect(result.diagnostics).toEqual([]);
      expect(result.complete).toBe(true);
      expect(os?.id).toBe('debian');
    });
  },
);

function missingTools(): string | undefined {
  if (process.platform !== 'linux') return 'this is not Linux';
  if (existsSync(join(ADMIN_DIR, 'status')) && hasCommand('dpkg-query')) {
    return undefined;
  }
  if (!hasCommand('dpkg-query')) return 'dpkg-query is not installed';
  if (!hasCommand('debootstrap')) return 'debootstrap is not installed';
  if (process.getuid?.() !== 0) return 'debootstrap needs root';
  return undefined;
}

function hasCommand(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], {
    env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  });
  return found.status === 0;
}

/** `dpkg-query -W --admindir=<root>/var/lib/dpkg | wc -l`. */
function dpkgQueryCount(): number {
  const run = spawnSync('dpkg-query', ['-W', `--admindir=${ADMIN_DIR}`], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`dpkg-query failed: ${run.stderr}`);
  return run.stdout.split('\n').filter((line) => line !== '').length;
}

/** Installed packages as dpkg-query reads them: `name version`, sorted. */
function dpkgQuery(): string[] {
  const run = spawnSync(
    'dpkg-query',
    [
      '-W',
      `--admindir=${ADMIN_DIR}`,
      '-f=${db:Status-Status} ${Package} ${Version}\\n',
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`dpkg-query failed: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' '))
    .filter(([state]) => state !== 'not-installed' && state !== 'config-files')
    .map(([, name, version]) => `${name ?? ''} ${version ?? ''}`)
    .sort();
}
