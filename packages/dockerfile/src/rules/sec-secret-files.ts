/** Directories whose contents are credentials or carry them. */
const SECRET_DIRECTORIES = new Map([
  ['.git', 'repository history and its credentials'],
  ['.ssh', 'SSH keys'],
  ['.aws', 'AWS credentials'],
  ['.gnupg', 'GnuPG keys'],
  ['.docker', 'registry credentials'],
  ['.kube', 'cluster credentials'],
  ['.azure', 'Azure credentials'],
]);

/** File names that hold credentials. */
const SECRET_FILE_NAMES = new Map([
  ['.env', 'environment secrets'],
  ['.npmrc', 'npm registry token'],
  ['.yarnrc.yml', 'npm registry token'],
  ['.pypirc', 'PyPI credentials'],
  ['.netrc', 'machine passwords'],
  ['_netrc', 'machine passwords'],
  ['.git-credentials', 'Git credentials'],
  ['.htpasswd', 'password hashes'],
  ['.pgpass', 'PostgreSQL passwords'],
  ['credentials.json', 'service credentials'],
  ['service-account.json', 'service account key'],
]);

/** Extensions of key and keystore files. */
const KEY_EXTENSIONS = ['.pem', '.key', '.p12', '.pfx', '.jks', '.ppk'];

/** Name parts that mark the public half: certificates, public keys. */
const PUBLIC_HINTS = ['pub', 'cert', 'chain', 'ca.', 'ca-', 'gpg', 'trust'];

/** `.env.example` and friends document variables without values. */
const ENV_TEMPLATE = /^\.env\.(example|sample|template|dist|defaults?)$/;

/**
 * What kind of credential a COPY or ADD source looks like, or undefined.
 * Limitation: only names are judged. `COPY . .` copies whatever the build
 * context holds, and `.dockerignore` is not read, so a secret copied by a
 * directory or a broad glob is not reported; URLs and `$VARIABLE` sources
 * are not judged either.
 */
export function secretFileKind(source: string): string | undefined {
  if (source.includes('$') || /^[a-z]+:\/\//i.test(source)) return undefined;
  const parts = source
    .toLowerCase()
    .split('/')
    .filter((part) => part !== '');
  const directory = parts
    .map((part) => SECRET_DIRECTORIES.get(part))
    .find((kind) => kind !== undefined);
  if (directory !== undefined) return directory;
  const name = parts.at(-1) ?? '';
  return SECRET_FILE_NAMES.get(name) ?? fileNameKind(name);
}

function fileNameKind(name: string): string | undefined {
  if (name.startsWith('.env.') && !ENV_TEMPLATE.test(name)) {
    return 'environment secrets';
  }
  if (/^id_(rsa|dsa|ecdsa|ed25519)/.test(name) && !name.endsWith('.pub')) {
    return 'an SSH private key';
  }
  return isPrivateKeyFile(name) ? 'a private key or keystore' : undefined;
}

function isPrivateKeyFile(name: string): boolean {
  if (!KEY_EXTENSIONS.some((extension) => name.endsWith(extension))) {
    return false;
  }
  if (name.includes('priv') || name.endsWith('key.pem')) return true;
  return !PUBLIC_HINTS.some((hint) => name.includes(hint));
}
