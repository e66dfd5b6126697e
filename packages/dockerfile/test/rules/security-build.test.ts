import { describe, expect, it } from 'vitest';
import {
  addUrlWithoutChecksum,
  curlPipeShell,
  workdirProcFd,
} from '../../src/rules/sec-build';
import { findingLinesOf, findingsOf, reportOf } from './support';

const COMMIT = 'a'.repeat(40);

describe('add-url-without-checksum', () => {
  it.each([
    ['ADD https://example.com/tool.tar.gz /opt/'],
    ['ADD http://example.com/a /a'],
    ['ADD https://github.com/acme/repo.git /src'],
    ['ADD git@github.com:acme/repo.git#main /src'],
    ['ADD ["https://example.com/a b", "/opt/"]'],
    ['ONBUILD ADD https://example.com/a /a'],
  ])('reports %s', (line) => {
    expect(
      findingLinesOf(addUrlWithoutChecksum, `FROM alpine\n${line}\n`),
    ).toEqual([2]);
  });

  it.each([
    ['ADD --checksum=sha256:abc https://example.com/a /a'],
    [`ADD https://github.com/acme/repo.git#${COMMIT} /src`],
    ['ADD app.tar.gz /app/'],
    ['COPY https-proxy.conf /etc/'],
  ])('accepts %s', (line) => {
    expect(
      findingLinesOf(addUrlWithoutChecksum, `FROM alpine\n${line}\n`),
    ).toEqual([]);
  });

  it('masks credentials written into the URL', () => {
    const text = 'FROM a\nADD https://bot:s3cr3t-pw@example.com/a /a\n';

    const report = reportOf(addUrlWithoutChecksum, text);

    expect(report.findings[0]?.message).toBe(
      "ADD fetches 'https://bot:***@example.com/a' without --checksum, so its content is never verified",
    );
    expect(report.lines[1]).toBe('ADD https://bot:***@example.com/a /a');
  });
});

describe('curl-pipe-shell', () => {
  it.each([
    ['curl -fsSL https://example.com/install.sh | sh'],
    ['wget -qO- https://example.com/i | bash -s -- --yes'],
    ['curl https://example.com/i | sudo -E bash -'],
    ['curl https://example.com/i | tee /tmp/i.sh | sh'],
    ['curl -s https://example.com/get.py | python3 -'],
    ['sh -c "$(curl -fsSL https://example.com/i)"'],
    ['eval "$(wget -qO- https://example.com/i)"'],
    ['bash <(curl -s https://example.com/i)'],
    ['set -e; apt-get update && curl https://x/i | /bin/sh'],
  ])('reports RUN %s', (script) => {
    expect(
      findingLinesOf(curlPipeShell, `FROM alpine\nRUN ${script}\n`),
    ).toEqual([2]);
  });

  it.each([
    ['curl -fsSLo i.sh https://example.com/i && sha256sum -c i.sum && sh i.sh'],
    ['curl -fsSL https://example.com/a.tgz | tar -xz'],
    ['curl https://example.com/a | gpg --dearmor -o /k.gpg'],
    ['echo curl | sh'],
    ['curl https://example.com/a > a; cat a | sh'],
  ])('accepts RUN %s', (script) => {
    expect(
      findingLinesOf(curlPipeShell, `FROM alpine\nRUN ${script}\n`),
    ).toEqual([]);
  });

  it('reports exec-form and ONBUILD RUNs', () => {
    const text = [
      'FROM alpine',
      'RUN ["sh", "-c", "curl https://x/i | sh"]',
      'ONBUILD RUN wget -O- https://x/i | sh',
      '',
    ].join('\n');

    expect(findingLinesOf(curlPipeShell, text)).toEqual([2, 3]);
  });

  it('names the downloader and the interpreter', () => {
    const text = 'FROM a\nRUN curl https://x/i | sudo bash\n';

    expect(findingsOf(curlPipeShell, text).map((f) => f.message)).toEqual([
      "pipes 'curl' output into 'bash' without verifying it",
    ]);
  });
});

describe('workdir-proc-fd', () => {
  it.each([
    ['WORKDIR /proc/self/fd/7'],
    ['WORKDIR /proc/self/fd/8/'],
    ['WORKDIR /proc/1/fd/3'],
    ['WORKDIR /tmp/../proc/self/fd/7'],
    ['WORKDIR //proc//self/fd/5'],
    ['WORKDIR "/proc/thread-self/fd/4"'],
    ['WORKDIR /proc\nWORKDIR self/fd/7'],
    ['ONBUILD WORKDIR /proc/self/fd/7'],
  ])('reports %j', (lines) => {
    const hits = findingLinesOf(workdirProcFd, `FROM alpine\n${lines}\n`);

    expect(hits.at(-1)).toBe(lines.split('\n').length + 1);
  });

  it.each([
    ['WORKDIR /app'],
    ['WORKDIR /processes'],
    ['WORKDIR /app\nWORKDIR proc'],
  ])('accepts %s', (line) => {
    expect(findingLinesOf(workdirProcFd, `FROM alpine\n${line}\n`)).toEqual([]);
  });

  it('checks build stages too', () => {
    const text = 'FROM alpine AS b\nWORKDIR /proc/self/fd/7\nFROM alpine\n';

    expect(findingLinesOf(workdirProcFd, text)).toEqual([2]);
  });
});
