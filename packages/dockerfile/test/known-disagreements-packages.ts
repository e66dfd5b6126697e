/**
 * hadolint cases where the packages rules knowingly differ, keyed by
 * `rule|dockerfile`, each with the reason.
 */
export const KNOWN_DISAGREEMENTS_PACKAGES: [string, string][] = [];
