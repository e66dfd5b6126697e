import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  copyMultipleToDirectory,
  copyNotAdd,
  envSelfReference,
  execFormCommand,
  exposeValidPort,
  fromFirst,
  noHadolintPragma,
  noMaintainer,
  onbuildTrigger,
  workdirAbsolute,
} from '../../src/rules/in-instructions';
import { INSTRUCTION_RULES } from '../../src/rules/instructions';
import { hitMessagesOf, hitsOf } from './support';

describe('INSTRUCTION_RULES', () => {
  it('gives every rule a unique kebab-case id and a hadolint alias', () => {
    const ids = INSTRUCTION_RULES.map((rule) => rule.id);

    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of INSTRUCTION_RULES) {
      expect(rule.id).toMatch(/^[a-z]+(?:-[a-z0-9]+)*$/);
      expect(rule.aliases.filter((a) => /^DL\d{4}$/.test(a))).toHaveLength(1);
      expect(rule.rationale.length).toBeGreaterThan(80);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.tags.length).toBeGreaterThan(0);
    }
  });

  it('carries the dockle and CIS aliases of sudo and ADD', () => {
    const aliases = INSTRUCTION_RULES.flatMap((rule) => rule.aliases);

    expect(aliases).toEqual(
      expect.arrayContaining(['DKL-DI-0001', 'CIS-DI-0009']),
    );
  });

  it.skipIf(!corpusAvailable())(
    "maps hadolint's severities: Error high, Warning medium, Info low",
    () => {
      const table = JSON.parse(
        readFileSync(corpusPath('dockerfile-lint/hadolint/rules.json'), 'utf8'),
      ) as { rule: string; severity: string }[];
      const wanted: Record<string, string> = {
        Error: 'high',
        Warning: 'medium',
        Info: 'low',
        Style: 'negligible',
        Ignore: 'negligible',
      };

      for (const rule of INSTRUCTION_RULES) {
        const alias = rule.aliases[0];
        const hadolint = table.find((entry) => entry.rule === alias);
        expect(rule.severity, rule.id).toBe(wanted[hadolint?.severity ?? '']);
      }
    },
  );
});

describe('no-hadolint-pragma', () => {
  it('reports the comment line and names the rules to carry over', () => {
    const hits = hitsOf(
      noHadolintPragma,
      'FROM debian:12\n# hadolint ignore=DL3008,DL3009\nRUN apt-get update',
    );

    expect(hits).toEqual([
      {
        range: { start: { line: 2, column: 1 }, end: { line: 2, column: 32 } },
        message:
          "imagegate ignores hadolint pragmas; write '# imagegate-ignore DL3008,DL3009 -- <reason>' instead",
      },
    ]);
  });

  it.each([
    ['a first-line pragma', '# hadolint ignore=DL3003\nRUN cd /x', 1],
    ['a global pragma', 'FROM a:1\n# hadolint global ignore=DL3003', 1],
    ['another pragma', '# hadolint shell=powershell\nFROM a:1', 0],
    ['a heredoc body', 'FROM a:1\nRUN <<EOF\n# hadolint ignore=DL1\nEOF', 0],
  ])('counts %s', (_name, text, count) => {
    expect(hitsOf(noHadolintPragma, text)).toHaveLength(count);
  });
});

describe('workdir-absolute', () => {
  it.each([
    ['WORKDIR app', 1],
    ['WORKDIR "app/src"', 1],
    ['ONBUILD WORKDIR app', 1],
    ['WORKDIR /app', 0],
    ['WORKDIR $HOME/app', 0],
    ['WORKDIR D:\\work', 0],
  ])('reports %s %i time(s)', (text, count) => {
    expect(hitsOf(workdirAbsolute, text)).toHaveLength(count);
  });

  it('suggests the absolute path', () => {
    expect(hitMessagesOf(workdirAbsolute, 'WORKDIR app')).toEqual([
      "WORKDIR 'app' is relative, so it depends on the directory set before it; write '/app' or another absolute path",
    ]);
  });
});

describe('expose-valid-port', () => {
  it.each([
    ['EXPOSE 80000', "port 80000 in '80000' is above 65535"],
    ['EXPOSE 8080-8000', "range '8080-8000' runs backwards"],
    ['EXPOSE http', "'http' is not a port or port range"],
    ['EXPOSE 1-2-3/udp', "'1-2-3/udp' is not a port or port range"],
  ])('explains %s', (text, message) => {
    expect(hitMessagesOf(exposeValidPort, text)).toEqual([message]);
  });

  it.each(['EXPOSE 80 443/tcp', 'EXPOSE 0-65535/udp', 'EXPOSE ${PORT}/tcp'])(
    'accepts %s',
    (text) => {
      expect(hitsOf(exposeValidPort, text)).toEqual([]);
    },
  );
});

describe('copy-not-add', () => {
  it('names the local sources and leaves archives and URLs alone', () => {
    const text = 'ADD app.tgz conf/ https://example.com/x.sh script.zip /opt/';

    expect(hitMessagesOf(copyNotAdd, text)).toEqual([
      "ADD copies 'conf/', 'script.zip' as plain local content; use COPY",
    ]);
  });

  it.each([
    'ADD ["file.tar.xz", "/opt/"]',
    'ADD git@github.com:org/repo.git /src',
    'COPY file /opt/',
  ])('accepts %s', (text) => {
    expect(hitsOf(copyNotAdd, text)).toEqual([]);
  });
});

describe('copy-dest-directory', () => {
  it.each([
    ['COPY a b c', 1],
    ['ADD a b "c"', 1],
    ['COPY ["a", "b", "c"]', 1],
    ['COPY a b c/', 0],
    ['COPY a b $DEST', 0],
    ['COPY a b .', 0],
    ['COPY --from=build a b /out/', 0],
  ])('reports %s %i time(s)', (text, count) => {
    expect(hitsOf(copyMultipleToDirectory, text)).toHaveLength(count);
  });

  it('shows the destination to write', () => {
    expect(hitMessagesOf(copyMultipleToDirectory, 'COPY a b /out')).toEqual([
      "COPY has 2 sources, so '/out' must be a directory ending in '/': write '/out/'",
    ]);
  });
});

describe('exec-form-command', () => {
  it.each([
    [
      'CMD nginx -g "daemon off;"',
      'CMD \'nginx -g "daemon off;"\' runs through /bin/sh -c; write it as a JSON array such as ["nginx","-g","daemon off;"]',
    ],
    [
      "ENTRYPOINT ['app']",
      'ENTRYPOINT looks like a JSON array but is not valid JSON (strings need double quotes), so it runs through /bin/sh -c',
    ],
    [
      'HEALTHCHECK --interval=5s CMD curl -f localhost',
      'HEALTHCHECK CMD \'curl -f localhost\' runs through /bin/sh -c; write it as a JSON array such as ["curl","-f","localhost"]',
    ],
  ])('explains %s', (text, message) => {
    expect(hitMessagesOf(execFormCommand, text)).toEqual([message]);
  });

  it.each(['CMD ["app"]', 'HEALTHCHECK NONE', 'ONBUILD CMD ["a", "b"]'])(
    'accepts %s',
    (text) => {
      expect(hitsOf(execFormCommand, text)).toEqual([]);
    },
  );
});

describe('onbuild-trigger-allowed', () => {
  it.each([
    ['ONBUILD ONBUILD RUN x', 1],
    ['ONBUILD FROM alpine:3', 1],
    ['ONBUILD MAINTAINER me', 1],
    ['ONBUILD RUN make', 0],
    ['FROM alpine:3', 0],
  ])('reports %s %i time(s)', (text, count) => {
    expect(hitsOf(onbuildTrigger, text)).toHaveLength(count);
  });
});

describe('env-same-statement-reference', () => {
  it('explains what the reference expands to', () => {
    expect(hitMessagesOf(envSelfReference, 'ENV A=1 B="${A}/x"')).toEqual([
      "B uses $A, which this ENV also sets; it expands to A's earlier value, not '1'. Set A in an earlier ENV",
    ]);
  });

  it.each([
    ['ENV PATH=/a:$PATH PATH=/b:$PATH', 1],
    ['ONBUILD ENV A=1 B=$A', 1],
    ['ENV B=$A A=1', 0],
    ["ENV A=1 B='$A'", 0],
    ['ENV A=1 B=\\$A', 0],
    ['ENV A=1 B=$AB', 0],
    ['ENV A 1 $A', 0],
  ])('reports %s %i time(s)', (text, count) => {
    expect(hitsOf(envSelfReference, text)).toHaveLength(count);
  });
});

describe('no-maintainer', () => {
  it('suggests the OCI authors label', () => {
    expect(hitMessagesOf(noMaintainer, 'MAINTAINER "Jo <jo@x.io>"')).toEqual([
      'MAINTAINER is deprecated; write LABEL org.opencontainers.image.authors="Jo <jo@x.io>"',
    ]);
  });

  it('leaves ONBUILD MAINTAINER to onbuild-trigger-allowed', () => {
    expect(hitsOf(noMaintainer, 'ONBUILD MAINTAINER me')).toEqual([]);
  });
});

describe('from-first', () => {
  it('reports each instruction before FROM except ARG', () => {
    const text = 'ARG V=1\nLABEL a=b\nONBUILD RUN x\nFROM alpine:$V\nRUN y';

    expect(hitMessagesOf(fromFirst, text)).toEqual([
      'LABEL comes before the first FROM, where only ARG is allowed; move it into a stage',
      'ONBUILD RUN comes before the first FROM, where only ARG is allowed; move it into a stage',
    ]);
  });
});
