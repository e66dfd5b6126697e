/**
 * hadolint cases where the security rules knowingly differ, keyed by
 * `rule|dockerfile`, each with the reason.
 */
export const KNOWN_DISAGREEMENTS_SECURITY: [string, string][] = [];
