import deprecatedExceptions from 'spdx-exceptions/deprecated.json' with { type: 'json' };
import exceptions from 'spdx-exceptions/index.json' with { type: 'json' };
import deprecatedLicenses from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import licenses from 'spdx-license-ids/index.json' with { type: 'json' };

/**
 * Identifiers of the SPDX License List, lower-cased for comparison: the
 * licence ids (deprecated ones included, since old labels still use them)
 * and the exception ids that may follow `WITH`. The lists come from the
 * `spdx-license-ids` and `spdx-exceptions` packages that npm itself uses.
 */
export const SPDX_LICENSE_IDS: ReadonlySet<string> = lowerSet([
  ...licenses,
  ...deprecatedLicenses,
]);

export const SPDX_EXCEPTION_IDS: ReadonlySet<string> = lowerSet([
  ...exceptions,
  ...deprecatedExceptions,
]);

function lowerSet(ids: readonly string[]): ReadonlySet<string> {
  return new Set(ids.map((id) => id.toLowerCase()));
}
