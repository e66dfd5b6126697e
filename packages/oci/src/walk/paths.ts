/** An entry name cleaned into components below the image root. */
export interface CleanPath {
  /** Components, none empty, `.` or `..`; empty for the root itself. */
  parts: string[];
  /** The name was absolute (`/etc/passwd`). */
  absolute: boolean;
  /** A `..` tried to climb above the root and was held at the root. */
  escaped: boolean;
}

/**
 * Cleans an archive entry name lexically, as containerd does before it
 * applies a layer: leading slashes are dropped, `.` and empty components
 * removed, and `..` applied but never above the root, so every name lands
 * inside the image (`../../etc/passwd` becomes `etc/passwd`).
 */
export function cleanPath(name: string): CleanPath {
  const parts: string[] = [];
  let escaped = false;
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      parts.push(part);
    } else if (parts.length > 0) {
      parts.pop();
    } else {
      escaped = true;
    }
  }
  return { parts, absolute: name.startsWith('/'), escaped };
}

/** The absolute path of components: `/` for none. */
export function joinPath(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}

/** Components of an absolute or relative path, as given. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** The byte length of text in UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
