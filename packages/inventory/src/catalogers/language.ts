import type { Cataloger } from '../types';
import { DotnetCataloger } from './dotnet';
import { JavaCataloger } from './java';
import { NpmCataloger } from './npm';
import { PhpCataloger } from './php';
import { PythonCataloger } from './python';
import { RubyCataloger } from './ruby';

/**
 * Language package catalogers: npm, Python, Java, Ruby, PHP, .NET. Fresh
 * instances on every call, for one image each.
 */
export function languageCatalogers(): Cataloger[] {
  return [
    new NpmCataloger(),
    new PythonCataloger(),
    new JavaCataloger(),
    new RubyCataloger(),
    new PhpCataloger(),
    new DotnetCataloger(),
  ];
}
