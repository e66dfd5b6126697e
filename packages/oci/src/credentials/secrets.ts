import type { Credential } from '../source';

/**
 * Every form in which a credential's secrets may show up in a log or a
 * request: each raw secret, its URL encoding, `user:password` and its
 * base64 (the `auth` field and the Basic header), and each line of a
 * multi-line secret. Usernames alone are not secret and are left out.
 */
export function secretForms(credential: Credential): string[] {
  const forms = new Set<string>();
  const { username, password, identityToken, registryToken } = credential;
  for (const secret of [password, identityToken, registryToken]) {
    if (secret !== undefined) addSecret(forms, secret);
  }
  if (password !== undefined) {
    const pair = `${username ?? ''}:${password}`;
    addSecret(forms, pair);
    forms.add(Buffer.from(pair, 'utf8').toString('base64'));
  }
  forms.delete('');
  return [...forms];
}

function addSecret(forms: Set<string>, secret: string): void {
  forms.add(secret);
  forms.add(encodeURIComponent(secret));
  forms.add(Buffer.from(secret, 'utf8').toString('base64'));
  for (const line of secret.split(/\r?\n/)) forms.add(line.trim());
}
