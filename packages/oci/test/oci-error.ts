import { OciError } from '../src/index';

/** The OciError a synchronous call throws; anything else fails the test. */
export function errorOf(action: () => unknown): OciError {
  try {
    action();
  } catch (error) {
    if (error instanceof OciError) return error;
    throw error;
  }
  throw new Error('expected an OciError');
}
