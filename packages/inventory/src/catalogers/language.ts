import type { Cataloger } from '../types';

/** Language package catalogers: npm, Python, Java, Ruby, PHP, .NET. */
export function languageCatalogers(): Cataloger[] {
  return [];
}
