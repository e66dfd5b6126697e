import { describe, expect, it } from 'vitest';
import {
  addForArchives,
  combineConsecutiveRuns,
  noPointlessCommands,
  noSudo,
  oneDownloadTool,
  pipefail,
  shellInstructionForSh,
  useraddLogInit,
  useWorkdir,
  wgetProgress,
} from '../../src/rules/in-shell';
import { hitLinesOf, hitMessagesOf, hitsOf } from './support';

describe('no-pointless-commands', () => {
  it('says why the command is pointless', () => {
    expect(
      hitMessagesOf(noPointlessCommands, 'RUN service nginx start'),
    ).toEqual([
      "'service nginx start' is pointless in a build: services started during a build stop with its step",
    ]);
  });

  it.each([
    ['RUN apt-get install -y vim ssh', 0],
    ['RUN ifconfig && top', 1],
    ['ONBUILD RUN ps aux', 1],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(noPointlessCommands, text)).toHaveLength(count);
  });
});

describe('use-workdir', () => {
  it('suggests WORKDIR with the directory', () => {
    expect(hitMessagesOf(useWorkdir, 'RUN cd /src && make')).toEqual([
      "'cd /src' only lasts for this RUN; use WORKDIR /src instead",
    ]);
  });
});

describe('no-sudo', () => {
  it.each([
    ['RUN sudo apt-get update', 1],
    ['RUN if true; then sudo make install; fi', 1],
    ['RUN apt-get install -y sudo', 0],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(noSudo, text)).toHaveLength(count);
  });
});

describe('useradd-high-uid-log-init', () => {
  it.each([
    ['RUN useradd -u 123456 app', 1],
    ['RUN useradd -u123456 app', 1],
    ['RUN useradd --uid=1234567 app', 1],
    ['RUN useradd -mu 123456 app', 1],
    ['RUN useradd -l -u 123456 app', 0],
    ['RUN useradd --no-log-init --uid 123456 app', 0],
    ['RUN useradd -u 65535 app', 0],
    ['RUN useradd -u $UID app', 0],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(useraddLogInit, text)).toHaveLength(count);
  });
});

describe('wget-progress', () => {
  it.each([
    ['RUN wget https://x/y.tgz', 1],
    ['RUN wget -O- https://x | sh', 1],
    ['RUN wget -qO- https://x | sh', 0],
    ['RUN wget -nv https://x', 0],
    ['RUN wget --progress=dot:giga https://x', 0],
    ['RUN wget -a log https://x', 0],
    ['RUN wget -Oq https://x', 1],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(wgetProgress, text)).toHaveLength(count);
  });
});

describe('use-shell-instruction', () => {
  it.each([
    ['RUN ln -sf /bin/bash /bin/sh', 1],
    ['RUN ln -s bash /usr/bin/sh', 1],
    ['RUN ln -s /bin/sh /usr/local/bin/sh', 0],
  ])('reports %j %i time(s)', (text, count) => {
    expect(hitsOf(shellInstructionForSh, text)).toHaveLength(count);
  });
});

describe('combine-consecutive-runs', () => {
  it.each([
    ['two single-command RUNs', 'FROM a:1\nRUN a\n# note\nRUN b', [4]],
    ['three in a row', 'FROM a:1\nRUN a\nRUN b\nRUN c', [3, 4]],
    ['a chained RUN', 'FROM a:1\nRUN a && b\nRUN c', []],
    [
      'different mounts',
      'FROM a:1\nRUN --mount=type=cache,target=/c a\nRUN b',
      [],
    ],
    ['a RUN and a trigger', 'FROM a:1\nRUN a\nONBUILD RUN b', []],
    ['two triggers', 'FROM a:1\nONBUILD RUN a\nONBUILD RUN b', [3]],
    ['a stage boundary', 'FROM a:1\nRUN a\nFROM b:1\nRUN b', []],
  ])('handles %s', (_name, text, lines) => {
    expect(hitLinesOf(combineConsecutiveRuns, text)).toEqual(lines);
  });
});

describe('one-download-tool', () => {
  it('reports once per stage and names both lines', () => {
    const text =
      'FROM a:1\nRUN curl -O x\nRUN wget y\nRUN wget z\nFROM b:1\nRUN curl q';

    expect(hitsOf(oneDownloadTool, text)).toEqual([
      {
        range: { start: { line: 3, column: 1 }, end: { line: 3, column: 11 } },
        message:
          'this stage uses both curl (line 2) and wget (line 3); use one of them throughout',
      },
    ]);
  });

  it('keeps triggers apart from the stage', () => {
    expect(
      hitsOf(oneDownloadTool, 'FROM a:1\nRUN curl x\nONBUILD RUN wget y'),
    ).toEqual([]);
  });
});

describe('pipefail-before-pipe', () => {
  it.each([
    ['a plain pipe', 'FROM a:1\nRUN curl x | sh', [2]],
    [
      'set -o pipefail first',
      'FROM a:1\nRUN set -euo pipefail; curl x | sh',
      [],
    ],
    [
      'set -o pipefail too late',
      'FROM a:1\nRUN curl x | sh; set -o pipefail',
      [2],
    ],
    [
      'SHELL bash -o pipefail',
      'FROM a:1\nSHELL ["bash", "-o", "pipefail", "-c"]\nRUN a | b',
      [],
    ],
    [
      'SHELL sh -o pipefail',
      'FROM a:1\nSHELL ["/bin/sh", "-o", "pipefail", "-c"]\nRUN a | b',
      [3],
    ],
    [
      'a powershell SHELL',
      'FROM a:1\nSHELL ["powershell.exe", "-Command"]\nRUN a | b',
      [],
    ],
    [
      'a parent stage SHELL',
      'FROM a:1 AS b\nSHELL ["bash", "-o", "pipefail", "-c"]\nFROM b\nRUN a | b',
      [],
    ],
    [
      'a sibling stage SHELL',
      'FROM a:1 AS b\nSHELL ["bash", "-o", "pipefail", "-c"]\nFROM a:1\nRUN a | b',
      [4],
    ],
    [
      'a trigger under the final SHELL',
      'FROM a:1\nONBUILD RUN a | b\nSHELL ["zsh", "-o", "pipefail", "-c"]',
      [],
    ],
    ['an exec-form RUN', 'FROM a:1\nRUN ["sh", "-c", "a | b"]', []],
    ['a quoted pipe', "FROM a:1\nRUN echo 'a | b'", []],
  ])('handles %s', (_name, text, lines) => {
    expect(hitLinesOf(pipefail, text)).toEqual(lines);
  });
});

describe('add-to-extract-archives', () => {
  it('reports the COPY and names the unpacking RUN', () => {
    const text = 'FROM a:1\nCOPY app.tar.gz /tmp/\nRUN tar xzf /tmp/app.tar.gz';

    expect(hitsOf(addForArchives, text)).toEqual([
      {
        range: { start: { line: 2, column: 1 }, end: { line: 2, column: 22 } },
        message:
          "'app.tar.gz' is copied here and unpacked by the RUN on line 3; ADD unpacks it in one layer without keeping the archive",
      },
    ]);
  });

  it.each([
    ['a gunzip', 'FROM a:1\nCOPY x.gz /x.gz\nRUN gunzip /x.gz', 1],
    ['a tar that only lists', 'FROM a:1\nCOPY x.tar /\nRUN tar -tf /x.tar', 0],
    [
      'a tar with --exclude',
      'FROM a:1\nCOPY x.tar /\nRUN tar -cf y.tar --exclude=x.tar .',
      0,
    ],
    [
      'another stage',
      'FROM a:1\nCOPY x.tar /\nFROM b:1\nRUN tar -xf /x.tar',
      0,
    ],
  ])('handles %s', (_name, text, count) => {
    expect(hitsOf(addForArchives, text)).toHaveLength(count);
  });
});
