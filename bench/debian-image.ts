// A real multi-layer Debian image for the Debian inventory test and
// `pnpm bench`, written as a docker archive and an OCI layout below
// /tmp/imagegate-debian-image (IMAGEGATE_DEBIAN_IMAGE_CACHE):
//   1. the debootstrap --variant=minbase bookworm root;
//   2. `apt-get install python3 python3-six python3-idna nodejs`, run in a
//      chroot of a copy of that root on the host side (so the host's
//      network and CAs apply), as a layer of only the changed files, with
//      whiteouts for the files apt removed;
//   3. an npm application in /app: a package.json and a few packages
//      copied, offline, from this repository's node_modules;
//   4. a whiteout-only layer deleting /app/node_modules/debug.
// Needs root, debootstrap, chroot, GNU tar and Debian's mirror on a cold
// cache. Run it alone with `tsx bench/debian-image.ts`.
// Limitation: only layers 1, 3 and 4 are byte-identical across cold
// builds; the apt layer carries the mtimes of the install and whatever
// versions the mirror serves that day.
// Limitation: the apt root doubles as the final image's dpkg database;
// that holds because layers 3 and 4 touch nothing outside /app.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  buildImage,
  buildTar,
  dockerArchive,
  writeOciLayout,
  type TarEntrySpec,
} from '../packages/test-support/src/index';

const SUITE = process.env.IMAGEGATE_DEBOOTSTRAP_SUITE ?? 'bookworm';
const MIRROR =
  process.env.IMAGEGATE_DEBOOTSTRAP_MIRROR ?? 'http://deb.debian.org/debian';
const BASE_CACHE =
  process.env.IMAGEGATE_DEBOOTSTRAP_CACHE ?? '/tmp/imagegate-debootstrap';
const CACHE =
  process.env.IMAGEGATE_DEBIAN_IMAGE_CACHE ?? '/tmp/imagegate-debian-image';
/** Bump when the image's recipe changes, so a stale cache is not used. */
const RECIPE = 'v1';

/** The Debian packages of the apt layer. */
export const APT_PACKAGES = [
  'python3',
  'python3-six',
  'python3-idna',
  'nodejs',
];
/** The npm packages of the application layer, from this repo's store. */
export const APP_PACKAGES = [
  'ms@2.1.3',
  'semver@7.8.6',
  'debug@4.4.3',
  'fast-deep-equal@3.1.3',
  'is-glob@4.0.3',
];
/** The npm package the last layer deletes. */
export const REMOVED_PACKAGE = 'debug';

/** Where the built image and its roots are. */
export interface DebianImage {
  /** `docker save` archive of the image. */
  archive: string;
  /** OCI layout directory, the image tagged `latest`. */
  layout: string;
  /** The root after the apt layer: the final image's dpkg database. */
  aptRoot: string;
}

const repo = resolve(import.meta.dirname, '..');
const sbinPath = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

/** Why the image cannot be built here, or undefined when it can. */
export function missingDebianTools(): string | undefined {
  if (process.platform !== 'linux') return 'this is not Linux';
  for (const tool of ['dpkg-query', 'tar']) {
    if (!hasCommand(tool)) return `${tool} is not installed`;
  }
  if (existsSync(join(imageDir(), 'image.tar'))) return undefined;
  for (const tool of ['debootstrap', 'chroot']) {
    if (!hasCommand(tool)) return `${tool} is not installed`;
  }
  if (process.getuid?.() !== 0) return 'debootstrap and chroot need root';
  return undefined;
}

/** Builds the image once, or returns the cached one. */
export async function debianImage(): Promise<DebianImage> {
  const dir = imageDir();
  const image = {
    archive: join(dir, 'image.tar'),
    layout: join(dir, 'oci'),
    aptRoot: join(dir, 'apt-root'),
  };
  if (existsSync(image.archive)) return image;
  const base = minbaseRoot();
  aptRoot(base, image.aptRoot);
  await writeImage(dir, base, image.aptRoot);
  return image;
}

function imageDir(): string {
  return join(CACHE, `${SUITE}-${RECIPE}`);
}

function hasCommand(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], {
    env: { ...process.env, PATH: sbinPath },
  });
  return found.status === 0;
}

function run(command: string, args: string[], input?: string): Buffer {
  const result = spawnSync(command, args, {
    env: { ...process.env, PATH: sbinPath },
    maxBuffer: 2 * 1024 * 1024 * 1024,
    ...(input === undefined ? {} : { input }),
  });
  if (result.status !== 0) {
    const stderr = String(result.stderr).slice(-2000);
    throw new Error(
      `${command} ${args.slice(0, 4).join(' ')} failed ` +
        `(${String(result.status ?? result.signal)}): ${stderr}`,
    );
  }
  return result.stdout;
}

/**
 * The cached `debootstrap --variant=minbase` root, shared with
 * `test/inventory-debootstrap.test.ts`. Each process builds into its own
 * scratch folder and renames it into place, so two test files that start
 * at once never write into one folder; the one that loses the race drops
 * its copy.
 */
export function minbaseRoot(): string {
  const root = join(BASE_CACHE, `${SUITE}-minbase`);
  if (existsSync(join(root, 'var/lib/dpkg/status'))) return root;
  const partial = `${root}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(BASE_CACHE, { recursive: true });
  run('debootstrap', ['--variant=minbase', SUITE, partial, MIRROR]);
  try {
    renameSync(partial, root);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(root, 'var/lib/dpkg/status'))) throw error;
  }
  return root;
}

/** A copy of the base root with the apt packages installed. */
function aptRoot(base: string, root: string): void {
  if (existsSync(join(root, 'var/lib/dpkg/status'))) return;
  const partial = `${root}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(root), { recursive: true });
  run('cp', ['-a', base, partial]);
  const resolvConf = join(partial, 'etc/resolv.conf');
  const savedResolvConf = readFileSync(resolvConf);
  writeFileSync(resolvConf, readFileSync('/etc/resolv.conf'));
  const apt = (...args: string[]) =>
    run('chroot', [
      partial,
      '/usr/bin/env',
      '-i',
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      ...args,
    ]);
  apt('update');
  apt('install', '-y', '--no-install-recommends', ...APT_PACKAGES);
  apt('clean');
  writeFileSync(resolvConf, savedResolvConf);
  rmSync(join(partial, 'var/lib/apt/lists'), { recursive: true });
  mkdirSync(join(partial, 'var/lib/apt/lists/partial'), { recursive: true });
  renameSync(partial, root);
}

async function writeImage(
  dir: string,
  base: string,
  root: string,
): Promise<void> {
  const image = buildImage({
    format: 'docker',
    config: { Cmd: ['node', '/app/index.js'], WorkingDir: '/app' },
    layers: [
      { tar: tarOf(base, ['.']), createdBy: debootstrapStep() },
      { tar: changesTar(base, root), createdBy: aptStep() },
      { entries: appEntries(), createdBy: 'COPY app /app # buildkit' },
      {
        entries: [{ name: `app/node_modules/.wh.${REMOVED_PACKAGE}` }],
        createdBy: `RUN /bin/sh -c rm -rf node_modules/${REMOVED_PACKAGE}`,
      },
    ],
  });
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const repoTags = [`imagegate-bench/debian:${RECIPE}`];
  writeFileSync(
    join(partial, 'image.tar'),
    dockerArchive([{ image, repoTags }]),
  );
  await writeOciLayout(join(partial, 'oci'), [
    { item: image, refName: 'latest' },
  ]);
  for (const name of readdirSync(partial)) {
    renameSync(join(partial, name), join(dir, name));
  }
  rmSync(partial, { recursive: true });
}

function debootstrapStep(): string {
  return `debootstrap --variant=minbase ${SUITE} / ${MIRROR}`;
}

function aptStep(): string {
  return (
    '/bin/sh -c apt-get update && apt-get install -y ' +
    `--no-install-recommends ${APT_PACKAGES.join(' ')} && ` +
    'apt-get clean && rm -rf /var/lib/apt/lists/*'
  );
}

/** GNU tar of paths below a root, in name order, owners as numbers. */
function tarOf(root: string, paths: string[]): Uint8Array {
  const args = [
    '-C',
    root,
    '--sort=name',
    '--format=gnu',
    '--numeric-owner',
    '--exclude=./dev/*',
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '-cf',
    '-',
  ];
  if (paths.length === 1 && paths[0] === '.') {
    return new Uint8Array(run('tar', [...args, '.']));
  }
  const list = `${paths.join('\0')}\0`;
  return new Uint8Array(
    run('tar', [...args, '--no-recursion', '--null', '-T', '-'], list),
  );
}

/** Paths below a root (`./etc`, `./etc/passwd`…), /dev's left out. */
function scan(root: string): Set<string> {
  const found = new Set<string>();
  const visit = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = `${relative}/${name}`;
      found.add(path);
      const isDeviceTree = ['./dev', './proc', './sys'].includes(path);
      if (lstatSync(join(root, path)).isDirectory() && !isDeviceTree) {
        visit(path);
      }
    }
  };
  visit('.');
  return found;
}

/** Whether a path is unchanged: cp -a kept the mtimes of what apt left. */
function isSame(base: string, root: string, path: string): boolean {
  const a = lstatSync(join(base, path));
  const b = lstatSync(join(root, path));
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return false;
  if (a.isDirectory()) return true;
  if (a.size !== b.size || a.mtimeMs !== b.mtimeMs) return false;
  if (!a.isSymbolicLink()) return true;
  return readlinkSync(join(base, path)) === readlinkSync(join(root, path));
}

/**
 * The apt layer: every path new or changed in `root` against `base`,
 * with its parent directories, then whiteouts for removed paths.
 */
function changesTar(base: string, root: string): Uint8Array {
  const before = scan(base);
  const after = scan(root);
  const changed = new Set<string>();
  for (const path of after) {
    if (before.has(path) && isSame(base, root, path)) continue;
    for (let at = path; at !== '.'; at = dirname(at)) changed.add(at);
  }
  const whiteouts: TarEntrySpec[] = [];
  for (const path of before) {
    const parent = dirname(path);
    if (after.has(path) || (parent !== '.' && !after.has(parent))) continue;
    const name = `${parent}/.wh.${path.slice(parent.length + 1)}`;
    whiteouts.push({ name: name.slice(2) });
  }
  const files = tarOf(root, [...changed].sort());
  const head = buildTar(whiteouts, { endMarker: false });
  const tar = new Uint8Array(head.length + files.length);
  tar.set(head);
  tar.set(files, head.length);
  return tar;
}

/** /app: package.json, index.js and the packages, copied from the store. */
function appEntries(): TarEntrySpec[] {
  const dependencies = Object.fromEntries(
    APP_PACKAGES.map((spec) => spec.split('@') as [string, string]),
  );
  const manifest = { name: 'bench-app', version: '1.0.0', dependencies };
  const entries: TarEntrySpec[] = [
    { name: 'app/', mode: 0o755 },
    { name: 'app/package.json', content: JSON.stringify(manifest, null, 2) },
    { name: 'app/index.js', content: "require('ms');\n" },
    { name: 'app/node_modules/', mode: 0o755 },
  ];
  for (const spec of APP_PACKAGES) {
    const name = spec.split('@')[0] ?? spec;
    const from = join(repo, 'node_modules/.pnpm', spec, 'node_modules', name);
    entries.push(...treeEntries(from, `app/node_modules/${name}`));
  }
  return entries;
}

/** A directory's files as tar entries, following symlinks, in name order. */
function treeEntries(from: string, to: string): TarEntrySpec[] {
  const entries: TarEntrySpec[] = [{ name: `${to}/`, mode: 0o755 }];
  for (const name of readdirSync(from).sort()) {
    const path = join(from, name);
    if (lstatSync(path).isDirectory()) {
      entries.push(...treeEntries(path, `${to}/${name}`));
    } else {
      entries.push({
        name: `${to}/${name}`,
        content: readFileSync(path),
        mode: 0o644,
      });
    }
  }
  return entries;
}

/** The uncompressed layers' blob paths of the OCI layout, for baselines. */
export function layerBlobs(layout: string): string[] {
  const index = JSON.parse(
    readFileSync(join(layout, 'index.json'), 'utf8'),
  ) as {
    manifests: { digest: string }[];
  };
  const blob = (digest: string) =>
    join(layout, 'blobs/sha256', digest.slice('sha256:'.length));
  const manifest = JSON.parse(
    readFileSync(blob(index.manifests[0]?.digest ?? ''), 'utf8'),
  ) as { layers: { digest: string }[] };
  return manifest.layers.map((layer) => blob(layer.digest));
}

if (process.argv[1] === import.meta.filename) {
  const missing = missingDebianTools();
  if (missing !== undefined) throw new Error(`cannot build: ${missing}`);
  const start = Date.now();
  const image = await debianImage();
  console.log(JSON.stringify({ ...image, ms: Date.now() - start }));
}
