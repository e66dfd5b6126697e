/** What went wrong, as a closed set that tests and callers can match. */
export type InventoryErrorCode = 'unsupported-os' | 'bad-sbom-format' | 'io';

/** A problem building an inventory or writing an SBOM. */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';

  constructor(
    readonly code: InventoryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
