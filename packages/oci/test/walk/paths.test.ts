import { describe, expect, it } from 'vitest';
import { cleanPath } from '../../src/walk/paths';

describe('cleanPath', () => {
  it.each([
    ['etc/passwd', ['etc', 'passwd'], false, false],
    ['./etc//passwd', ['etc', 'passwd'], false, false],
    ['/etc/passwd', ['etc', 'passwd'], true, false],
    ['../../etc/passwd', ['etc', 'passwd'], false, true],
    ['a/b/../../../etc/shadow', ['etc', 'shadow'], false, true],
    ['a/./b/../c', ['a', 'c'], false, false],
    ['.', [], false, false],
    ['/', [], true, false],
    ['', [], false, false],
    ['..', [], false, true],
    ['C:../x', ['C:..', 'x'], false, false],
    ['..\\..\\Temp\\evil.txt', ['..\\..\\Temp\\evil.txt'], false, false],
  ])('cleans %j', (name, parts, absolute, escaped) => {
    expect(cleanPath(name)).toEqual({ parts, absolute, escaped });
  });
});
