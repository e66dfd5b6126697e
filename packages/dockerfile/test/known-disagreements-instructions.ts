/**
 * hadolint cases where the instructions rules knowingly differ, keyed by
 * `rule|dockerfile`, each with the reason.
 */
export const KNOWN_DISAGREEMENTS_INSTRUCTIONS: [string, string][] = [];
