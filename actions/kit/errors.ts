/**
 * A mistake in the step's `with:` block. Like every user error, it has a
 * string `code`, so `runAction` reports its message alone.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code = 'input';
}
