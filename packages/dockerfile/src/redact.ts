/** What a masked value reads as in every output. */
export const MASK = '***';

/**
 * A function that replaces each secret value in a text with `***`, in one
 * pass over the text whatever the number of secrets. Longer secrets come
 * first in the pattern, so a secret that contains another is masked whole.
 * Limitation: values under four characters are left alone, since masking
 * them would garble the text; such a value is no secret worth the name.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const values = [...new Set(secrets)]
    .filter((secret) => secret.length >= 4)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, MASK);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
