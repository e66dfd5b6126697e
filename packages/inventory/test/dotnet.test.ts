import { describe, expect, it } from 'vitest';
import { DotnetCataloger, parseNuspecLicense } from '../src/catalogers/dotnet';
import type { CatalogResult } from '../src/types';
import { inventoryOf } from './sbom-fixtures';

const encoder = new TextEncoder();
const DEPS = '/app/WebApp.deps.json';

function catalog(
  files: readonly { path: string; content: string | undefined }[],
): CatalogResult {
  const cataloger = new DotnetCataloger();
  for (const { path, content } of files) {
    cataloger.add({
      path,
      content: content === undefined ? undefined : encoder.encode(content),
      layerIndex: 5,
    });
  }
  return cataloger.finish();
}

/** A published app's deps.json, trimmed: a project, packages, a runtime pack. */
const WEB_APP = JSON.stringify({
  runtimeTarget: { name: '.NETCoreApp,Version=v8.0/linux-x64', signature: '' },
  targets: {
    '.NETCoreApp,Version=v8.0/linux-x64': {
      'WebApp/1.0.0': {
        dependencies: { 'Newtonsoft.Json': '13.0.3', Serilog: '3.1.1' },
        runtime: { 'WebApp.dll': {} },
      },
      'Newtonsoft.Json/13.0.3': {
        runtime: { 'lib/net6.0/Newtonsoft.Json.dll': {} },
      },
      'Serilog/3.1.1': { runtime: { 'lib/net7.0/Serilog.dll': {} } },
    },
  },
  libraries: {
    'WebApp/1.0.0': { type: 'project', serviceable: false, sha512: '' },
    'Newtonsoft.Json/13.0.3': {
      type: 'package',
      serviceable: true,
      sha512:
        'sha512-HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==',
      path: 'newtonsoft.json/13.0.3',
      hashPath: 'newtonsoft.json.13.0.3.nupkg.sha512',
    },
    'Serilog/3.1.1': {
      type: 'package',
      serviceable: true,
      path: 'serilog/3.1.1',
    },
    'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0': {
      type: 'runtimepack',
      serviceable: false,
    },
    'Shared.Lib/2.0.0': { type: 'reference', serviceable: false },
  },
});

const NEWTONSOFT_NUSPEC = `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="2.12">
    <id>Newtonsoft.Json</id>
    <version>13.0.3</version>
    <license type="expression">MIT</license>
    <licenseUrl>https://licenses.nuget.org/MIT</licenseUrl>
    <dependencies><group targetFramework=".NETFramework2.0" /></dependencies>
  </metadata>
</package>`;

const SERILOG_NUSPEC = `<package><metadata><id>Serilog</id><version>3.1.1</version>
<licenseUrl>https://www.apache.org/licenses/LICENSE-2.0</licenseUrl></metadata></package>`;

describe('DotnetCataloger', () => {
  it('reports NuGet packages and runtime packs of a deps.json, not the app itself', () => {
    const result = catalog([{ path: DEPS, content: WEB_APP }]);

    expect(result.packages.map((p) => [p.name, p.version, p.purl])).toEqual([
      ['Newtonsoft.Json', '13.0.3', 'pkg:nuget/Newtonsoft.Json@13.0.3'],
      ['Serilog', '3.1.1', 'pkg:nuget/Serilog@3.1.1'],
      [
        'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64',
        '8.0.0',
        'pkg:nuget/runtimepack.Microsoft.NETCore.App.Runtime.linux-x64@8.0.0',
      ],
    ]);
    expect(result.packages[0]).toMatchObject({
      type: 'nuget',
      licenses: [],
      locations: [DEPS],
      layerIndex: 5,
      cataloger: 'dotnet',
    });
  });

  it('takes licences from a .nuspec of the same id and version', () => {
    const result = catalog([
      { path: DEPS, content: WEB_APP },
      {
        path: '/root/.nuget/packages/newtonsoft.json/13.0.3/newtonsoft.json.nuspec',
        content: NEWTONSOFT_NUSPEC,
      },
      {
        path: '/root/.nuget/packages/serilog/3.1.1/serilog.nuspec',
        content: SERILOG_NUSPEC,
      },
    ]);

    expect(result.packages.map((p) => [p.name, p.licenses])).toEqual([
      ['Newtonsoft.Json', ['MIT']],
      ['Serilog', ['https://www.apache.org/licenses/LICENSE-2.0']],
      ['runtimepack.Microsoft.NETCore.App.Runtime.linux-x64', []],
    ]);
  });

  it('reads a nuspec without a licence, and ignores one without an id', () => {
    expect(
      parseNuspecLicense(
        '<metadata><id>A</id><version>1.0</version></metadata>',
      ),
    ).toEqual({
      key: 'a/1.0',
      licenses: [],
    });
    expect(
      parseNuspecLicense('<metadata><version>1.0</version></metadata>'),
    ).toBeUndefined();
  });

  it('finds deps.json files through its glob in a layer walk', async () => {
    const inventory = await inventoryOf(
      {
        layers: [
          { entries: [{ name: 'app/WebApp.deps.json', content: WEB_APP }] },
        ],
      },
      { catalogers: [new DotnetCataloger()] },
    );

    expect(inventory.packages.map((p) => p.name)).toHaveLength(3);
    expect(inventory.packages.every((p) => p.locations[0] === DEPS)).toBe(true);
  });

  it('skips malformed entries and files, and counts them', () => {
    const result = catalog([
      {
        path: '/a/A.deps.json',
        content:
          '{"libraries": {"NoVersion": {"type": "package"}, "Ok/1.0": {"type": "package"}, "Bad/1.0": 7}}',
      },
      { path: '/b/B.deps.json', content: '{"libraries": [' },
      { path: '/c/C.deps.json', content: '{"targets": {}}' },
      { path: '/d/D.deps.json', content: undefined },
    ]);

    expect(result.packages.map((p) => p.name)).toEqual(['Ok']);
    expect(result.diagnostics.map((d) => [d.path, d.kind])).toEqual([
      ['/a/A.deps.json', 'skipped-record'],
      ['/b/B.deps.json', 'unreadable'],
      ['/c/C.deps.json', 'unreadable'],
      ['/d/D.deps.json', 'unreadable'],
    ]);
    expect(result.complete).toBe(false);
  });

  it('keeps __proto__ and workflow-command names as data, polluting nothing', () => {
    const hostile =
      '{"libraries": {"__proto__": {"type": "package", "polluted": "yes"},' +
      '"__proto__/1.0.0": {"type": "package"}, "constructor/2.0.0": {"type": "package"},' +
      '"::error::x\\u001b[31m/3.0.0": {"type": "package"}}}';

    const result = catalog([{ path: DEPS, content: hostile }]);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.packages.map((p) => `${p.name}@${p.version}`)).toEqual([
      '__proto__@1.0.0',
      'constructor@2.0.0',
      '::error::x\u001b[31m@3.0.0',
    ]);
  });

  it('reads a nuspec with pathological markup in bounded time', () => {
    const xml = `<id>a</id><version>1</version>${'<license type="expression"'.repeat(100_000)}`;

    const found = parseNuspecLicense(xml);

    expect(found?.licenses).toEqual([]);
  });
});
