/** How imagegate treats one distribution family. */
interface FamilySupport {
  /** Releases below this one are end-of-life. */
  minimum?: string;
  /** Releases matching this are end-of-life too. */
  endOfLife?: RegExp;
  /** A rolling release, matched without a version. */
  rolling?: boolean;
}

// Limitation: the families are those with an advisory source imagegate
// reads (Debian, Ubuntu, Alpine, Red Hat and its rebuilds, SUSE, Amazon,
// Oracle, Photon, Mariner, Wolfi, Chainguard), and the end-of-life floors
// are the releases whose vendor security support had ended by January
// 2025. The table is static: releases that reach their end later are
// still called supported until it is updated. Interim Ubuntu releases are
// not checked.
const FAMILIES: ReadonlyMap<string, FamilySupport> = new Map([
  ['debian', { minimum: '11' }],
  ['ubuntu', { minimum: '14.04' }],
  ['alpine', { minimum: '3.18' }],
  ['rhel', { minimum: '7' }],
  ['centos', { minimum: '9' }],
  ['rocky', { minimum: '8' }],
  ['almalinux', { minimum: '8' }],
  ['ol', { minimum: '7' }],
  ['amzn', { minimum: '2', endOfLife: /^20\d\d\.\d\d$/ }],
  ['sles', { minimum: '12' }],
  ['sle-micro', { minimum: '5.1' }],
  ['sle-micro-rancher', { minimum: '5.1' }],
  ['sl-micro', { minimum: '6.0' }],
  ['opensuse-leap', { minimum: '15.6' }],
  ['opensuse-tumbleweed', { rolling: true }],
  ['photon', { minimum: '4.0' }],
  ['mariner', { minimum: '2.0' }],
  ['azurelinux', { minimum: '3.0' }],
  ['wolfi', { rolling: true }],
  ['chainguard', { rolling: true }],
]);

/** Why a detected distribution is not supported, or undefined if it is. */
export function unsupportedReason(
  id: string,
  versionId: string | undefined,
): string | undefined {
  const family = FAMILIES.get(id);
  if (family === undefined) {
    return 'imagegate has no advisory source for this distribution';
  }
  if (family.rolling === true) return undefined;
  if (versionId === undefined) {
    return 'the release names no version, so advisories cannot be matched';
  }
  if (isEndOfLife(family, versionId)) {
    return 'this release is end-of-life and gets no security updates';
  }
  return undefined;
}

function isEndOfLife(family: FamilySupport, versionId: string): boolean {
  if (family.endOfLife?.test(versionId) === true) return true;
  if (family.minimum === undefined) return false;
  return compareNumeric(versionId, family.minimum) < 0;
}

/** Compares dotted numbers (`15.4` < `15.6` < `16`); other text sorts low. */
function compareNumeric(a: string, b: string): number {
  const left = numbers(a);
  const right = numbers(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function numbers(version: string): number[] {
  const leading = /^\d+(?:\.\d+)*/.exec(version)?.[0];
  if (leading === undefined) return [-1];
  return leading.split('.').map(Number);
}
