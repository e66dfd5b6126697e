/** What a masked value reads as in every output. */
export const MASK = '***';

/**
 * A function that replaces each secret value in a text with `***`.
 * Longer secrets are replaced first, so a secret that contains another is
 * masked whole. Values under four characters are left alone: masking them
 * would garble the text without protecting anything.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const values = [...new Set(secrets)]
    .filter((secret) => secret.length >= 4)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) =>
    values.reduce((masked, secret) => masked.split(secret).join(MASK), text);
}
