import { describe, expect, it } from 'vitest';
import { apkNoCache, apkPinVersions } from '../../src/rules/pm-apk';
import {
  aptAssumeYes,
  aptCleanLists,
  aptNoDistUpgrade,
  aptNoRecommends,
  aptPinVersions,
  useAptGet,
} from '../../src/rules/pm-apt';
import {
  dnfAssumeYes,
  dnfCleanAll,
  dnfPinVersions,
  yumAssumeYes,
  yumCleanAll,
  yumPinVersions,
} from '../../src/rules/pm-rpm';
import { noUpdateAlone } from '../../src/rules/pm-update';
import {
  zypperClean,
  zypperNoDistUpgrade,
  zypperNonInteractive,
  zypperPinVersions,
} from '../../src/rules/pm-zypper';
import { PACKAGE_MANAGER_RULES } from '../../src/rules/package-managers';
import { findingCountOf, findingLinesOf, linesAndMessagesOf } from './support';

describe('PACKAGE_MANAGER_RULES', () => {
  it('gives every rule a unique kebab-case id and a documented alias', () => {
    const ids = PACKAGE_MANAGER_RULES.map((rule) => rule.id);

    const malformed = ids.filter((id) => !/^[a-z]+(-[a-z0-9]+)*$/.test(id));

    expect(malformed).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(PACKAGE_MANAGER_RULES.every((r) => r.aliases.length > 0)).toBe(true);
  });

  it.each([
    ['shell form', 'RUN apt-get install curl'],
    ['exec form', 'RUN ["apt-get", "install", "curl"]'],
    ['sh -c in exec form', 'RUN ["/bin/sh", "-c", "apt-get install curl"]'],
    ['bash -ec', "RUN bash -ec 'apt-get install curl'"],
    ['heredoc', 'RUN <<EOF\nset -e\napt-get install curl\nEOF'],
    ['full path', 'RUN /usr/bin/apt-get install curl'],
  ])('reads the commands of a RUN in %s', (_form, run) => {
    const text = `FROM debian:12\n${run}\n`;

    expect(linesAndMessagesOf(aptPinVersions, text)).toEqual([
      [2, "apt-get install leaves 'curl' unpinned; write 'curl=<version>'"],
    ]);
  });

  it('reports a multi-line RUN on the line where it starts', () => {
    const text =
      'FROM debian:12\n\nRUN apt-get update \\\n  && apt-get install -y \\\n     curl\n';

    expect(findingLinesOf(aptNoRecommends, text)).toEqual([3]);
  });

  it('keeps words that hold a # (a git ref, not a comment)', () => {
    const text =
      'FROM debian:12\nRUN echo x#y && apt-get install -y --no-install-recommends curl\n';

    expect(findingCountOf(aptPinVersions, text)).toBe(1);
  });

  it('leaves commands behind sudo alone, as hadolint does', () => {
    expect(
      findingCountOf(aptAssumeYes, 'FROM d\nRUN sudo apt-get install x\n'),
    ).toBe(0);
  });
});

describe('apt-pin-versions', () => {
  it.each([
    ['apt-get install -y curl=8.5.0 ./local.deb', 0],
    ['apt-get install -y -t bookworm-backports curl=8.5.0', 0],
    ['apt-get install -y curl/bookworm-backports', 0],
    ['apt-get install -y $BUILD_DEPS', 0],
    ['apt-get -o Dpkg::Options::=--force-confold install -y curl=1', 0],
    ['apt-get install -y curl', 1],
    ['apt-get update && apt-get install -y curl=1 && apt-get install wget', 1],
  ])('finds %s unpinned: %i', (command, hits) => {
    expect(
      findingCountOf(aptPinVersions, `FROM debian\nRUN ${command}\n`),
    ).toBe(hits);
  });

  it('names up to three packages and counts the rest', () => {
    const text = 'FROM debian\nRUN apt-get install -y a b=1 c d e\n';

    expect(linesAndMessagesOf(aptPinVersions, text)).toEqual([
      [
        2,
        "apt-get install leaves 'a', 'c', 'd' and 1 more unpinned; write 'a=<version>'",
      ],
    ]);
  });

  it('fires once for an ONBUILD trigger', () => {
    const text = 'FROM debian\nONBUILD RUN apt-get install -y a b c\n';

    expect(findingLinesOf(aptPinVersions, text)).toEqual([2]);
  });
});

describe('apt-clean-lists', () => {
  const update = 'apt-get update && apt-get install -y curl';

  it.each([
    ['no clean-up', `RUN ${update}`, 1],
    ['lists removed', `RUN ${update} && rm -rf /var/lib/apt/lists/*`, 0],
    [
      'lists on a cache mount',
      `RUN --mount=type=cache,target=/var/lib/apt/lists ${update}`,
      0,
    ],
    [
      'docker-clean removed, lists removed',
      `RUN rm /etc/apt/apt.conf.d/docker-clean && ${update} && rm -rf /var/lib/apt/lists`,
      1,
    ],
    [
      'docker-clean removed, lists removed, archives cleaned',
      `RUN rm /etc/apt/apt.conf.d/docker-clean && ${update} && apt-get clean && rm -rf /var/lib/apt/lists`,
      0,
    ],
    ['no update', 'RUN apt-get install -y curl', 0],
  ])('judges a RUN with %s', (_case, run, hits) => {
    expect(findingCountOf(aptCleanLists, `FROM debian\n${run}\n`)).toBe(hits);
  });

  it('says what stays in the layer', () => {
    expect(
      linesAndMessagesOf(aptCleanLists, `FROM debian\nRUN ${update}\n`),
    ).toEqual([
      [
        2,
        "'apt-get update' leaves the package lists in the layer; end this RUN with 'rm -rf /var/lib/apt/lists/*'",
      ],
    ]);
  });

  it('names the archives when docker-clean was turned off in a parent stage', () => {
    const text = [
      'FROM debian AS base',
      'RUN rm -f /etc/apt/apt.conf.d/docker-clean',
      'FROM base',
      'RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl',
      '',
    ].join('\n');

    expect(linesAndMessagesOf(aptCleanLists, text)).toEqual([
      [
        4,
        "docker-clean is turned off, so the downloaded .deb files stay in /var/cache/apt/archives; run 'apt-get clean' or mount /var/cache/apt as a cache",
      ],
    ]);
  });

  it.each([
    ['a discarded stage', 'FROM debian AS tools\nRUN X\nFROM scratch\n', 0],
    ['a stage built on', 'FROM debian AS base\nRUN X\nFROM base\n', 1],
    ['the last stage', 'FROM debian AS a\nFROM debian\nRUN X\n', 1],
    ['an ONBUILD trigger', 'FROM debian AS a\nONBUILD RUN X\nFROM b\n', 1],
  ])('fires in %s as the layer reaches an image', (_case, text, hits) => {
    expect(findingCountOf(aptCleanLists, text.replace('X', update))).toBe(hits);
  });
});

describe('apt-assume-yes', () => {
  it.each([
    ['apt-get install -y curl', 0],
    ['apt-get -qq install curl', 0],
    ['apt-get install -q -q curl', 0],
    ['apt-get -o APT::Get::Assume-Yes=true install curl', 0],
    ['apt-get install --quiet curl', 1],
    ['apt-get remove curl', 1],
    ['apt-get update', 0],
  ])('judges %s', (command, hits) => {
    expect(findingCountOf(aptAssumeYes, `FROM debian\nRUN ${command}\n`)).toBe(
      hits,
    );
  });

  it('names the action that would prompt', () => {
    expect(
      linesAndMessagesOf(aptAssumeYes, 'FROM d\nRUN apt-get purge x\n'),
    ).toEqual([
      [
        2,
        "'apt-get purge' runs without -y, so it stops at the confirmation prompt",
      ],
    ]);
  });
});

describe('apt-no-recommends', () => {
  it.each([
    ['apt-get install -y --no-install-recommends curl', 0],
    ['apt-get -o APT::Install-Recommends=0 install -y curl', 0],
    ['apt-get install -y curl', 1],
    ['apt-get upgrade -y', 0],
  ])('judges %s', (command, hits) => {
    expect(
      findingCountOf(aptNoRecommends, `FROM debian\nRUN ${command}\n`),
    ).toBe(hits);
  });
});

describe('use-apt-get', () => {
  it('names the apt command', () => {
    expect(
      linesAndMessagesOf(useAptGet, 'FROM d\nRUN apt -y install x\n'),
    ).toEqual([
      [
        2,
        "'apt install' uses apt, which is meant for people, not scripts; use apt-get",
      ],
    ]);
  });

  it('leaves apt-get and apt-cache alone', () => {
    expect(
      findingCountOf(
        useAptGet,
        'FROM d\nRUN apt-cache policy && apt-get check\n',
      ),
    ).toBe(0);
  });
});

describe('apt-no-dist-upgrade', () => {
  it.each([
    ['apt-get dist-upgrade -y', 1],
    ['apt full-upgrade -y', 1],
    ['aptitude -y dist-upgrade', 1],
    ['apt-get upgrade -y', 0],
  ])('judges %s', (command, hits) => {
    expect(findingCountOf(aptNoDistUpgrade, `FROM d\nRUN ${command}\n`)).toBe(
      hits,
    );
  });
});

describe('apk-pin-versions', () => {
  it.each([
    ['apk add --no-cache curl=8.9.1-r2 "git>2.40" musl~1.2', 0],
    ['apk add --virtual .build-deps gcc=13.2.1-r0', 0],
    ['apk add -X https://dl-cdn.alpinelinux.org/alpine/edge/testing x=1', 0],
    ['apk add ./local.apk', 0],
    ['apk add --no-cache curl', 1],
  ])('judges %s', (command, hits) => {
    expect(
      findingCountOf(apkPinVersions, `FROM alpine\nRUN ${command}\n`),
    ).toBe(hits);
  });
});

describe('apk-no-cache', () => {
  it.each([
    ['RUN apk add --no-cache curl=1', 0],
    ['RUN apk --no-cache add curl=1', 0],
    ['RUN --mount=type=cache,target=/var/cache/apk apk add curl=1', 0],
    ['RUN --mount=type=cache,target=/var/cache apk add curl=1', 0],
    ['RUN --mount=type=bind,target=/var/cache/apk apk add curl=1', 1],
    ['RUN apk add -U curl=1', 1],
  ])('judges %s', (run, hits) => {
    expect(findingCountOf(apkNoCache, `FROM alpine\n${run}\n`)).toBe(hits);
  });

  it('names the packages', () => {
    expect(
      linesAndMessagesOf(apkNoCache, 'FROM a\nRUN apk add curl=1\n'),
    ).toEqual([
      [
        2,
        "apk add of 'curl=1' runs without --no-cache and leaves the index in /var/cache/apk",
      ],
    ]);
  });
});

describe('yum-assume-yes and dnf-assume-yes', () => {
  it.each([
    ['yum install httpd-2.4.6', yumAssumeYes, 1],
    ['yum -y install httpd-2.4.6', yumAssumeYes, 0],
    ['yum --assumeyes groupinstall Base', yumAssumeYes, 0],
    ['dnf install httpd-2.4.6', yumAssumeYes, 0],
    ['microdnf install httpd-2.4.6', dnfAssumeYes, 1],
    ['dnf module install nodejs:20', dnfAssumeYes, 1],
    ['dnf -y module install nodejs:20', dnfAssumeYes, 0],
    ['notdnf install httpd', dnfAssumeYes, 0],
  ])('judges %s', (command, rule, hits) => {
    expect(findingCountOf(rule, `FROM fedora\nRUN ${command}\n`)).toBe(hits);
  });

  it('names the command', () => {
    expect(
      linesAndMessagesOf(dnfAssumeYes, 'FROM f\nRUN dnf module install x:1\n'),
    ).toEqual([
      [
        2,
        "'dnf module install' runs without -y, so it stops at the confirmation prompt",
      ],
    ]);
  });
});

describe('yum-clean-all and dnf-clean-all', () => {
  it.each([
    ['RUN yum install -y a-1 && yum clean all', yumCleanAll, 0],
    ['RUN yum clean all && yum install -y a-1', yumCleanAll, 1],
    ['RUN yum install -y a-1 && rm -rf /var/cache/yum', yumCleanAll, 0],
    [
      'RUN --mount=type=cache,target=/var/cache/yum yum install -y a-1',
      yumCleanAll,
      0,
    ],
    ['RUN dnf install -y a-1 && microdnf clean all', dnfCleanAll, 1],
    ['RUN dnf upgrade -y && dnf clean all', dnfCleanAll, 0],
    ['RUN dnf upgrade -y', dnfCleanAll, 1],
  ])('judges %s', (run, rule, hits) => {
    expect(findingCountOf(rule, `FROM fedora\n${run}\n`)).toBe(hits);
  });

  it('names the tool that needs cleaning', () => {
    const text = 'FROM f\nRUN microdnf install -y a-1\n';

    expect(linesAndMessagesOf(dnfCleanAll, text)).toEqual([
      [
        2,
        "microdnf downloads packages in this RUN and no 'microdnf clean all' follows; the cache stays in the layer",
      ],
    ]);
  });
});

describe('yum-pin-versions and dnf-pin-versions', () => {
  it.each([
    ['install -y httpd-2.4.6 openssl-1:1.1.1k gcc-c++-8.5.0', 0],
    ['install -y java-1.8.0-openjdk-1.8.0.292', 0],
    ['install -y ./local.rpm https://x/y.rpm', 0],
    ['install -y @development-tools "dnf-command(config-manager)"', 0],
    ['module install -y nodejs:20', 0],
    ['group install -y "Development Tools"', 0],
    ['install -y rpm-sign', 1],
    ['install -y java-1.8.0-openjdk', 1],
    ['module install -y nodejs', 1],
  ])('judges dnf %s', (args, hits) => {
    expect(
      findingCountOf(dnfPinVersions, `FROM fedora\nRUN dnf ${args}\n`),
    ).toBe(hits);
    expect(
      findingCountOf(yumPinVersions, `FROM centos\nRUN yum ${args}\n`),
    ).toBe(hits);
  });

  it('asks modules for a stream', () => {
    const text = 'FROM f\nRUN dnf module install -y nodejs\n';

    expect(linesAndMessagesOf(dnfPinVersions, text)).toEqual([
      [2, "dnf install leaves 'nodejs' unpinned; write 'nodejs:<stream>'"],
    ]);
  });

  it('names the unpinned packages', () => {
    expect(
      linesAndMessagesOf(yumPinVersions, 'FROM c\nRUN yum install -y tomcat\n'),
    ).toEqual([
      [2, "yum install leaves 'tomcat' unpinned; write 'tomcat-<version>'"],
    ]);
  });
});

describe('zypper rules', () => {
  it.each([
    ['zypper install x=1', zypperNonInteractive, 1],
    ['zypper -n install x=1', zypperNonInteractive, 0],
    ['zypper --non-interactive rm x', zypperNonInteractive, 0],
    ['zypper install -y x=1', zypperNonInteractive, 0],
    ['zypper -n dup', zypperNoDistUpgrade, 1],
    ['zypper -n update', zypperNoDistUpgrade, 0],
    ['zypper -n in x=1 && zypper clean -a', zypperClean, 0],
    ['zypper cc && zypper -n in x=1', zypperClean, 1],
    ['zypper -n in "x>=1" y=2 z.rpm', zypperPinVersions, 0],
    ['zypper -n in -t pattern devel_basis', zypperPinVersions, 0],
    ['zypper -n in tomcat', zypperPinVersions, 1],
  ])('judges %s', (command, rule, hits) => {
    expect(findingCountOf(rule, `FROM opensuse\nRUN ${command}\n`)).toBe(hits);
  });
});

describe('no-update-alone', () => {
  it.each([
    ['RUN apt-get update', 1],
    ['RUN apk update', 1],
    ['RUN dnf makecache', 1],
    ['RUN zypper refresh', 1],
    ['RUN apt-get update && apt-get install -y curl=1', 0],
    ['RUN apk update && apk add curl=1', 0],
    ['RUN apt-get update && rm -rf /var/lib/apt/lists/*', 0],
    ['RUN --mount=type=cache,target=/var/lib/apt apt-get update', 0],
    ['RUN yum update -y', 0],
  ])('judges %s', (run, hits) => {
    expect(findingCountOf(noUpdateAlone, `FROM debian\n${run}\n`)).toBe(hits);
  });

  it('names the refresh', () => {
    expect(
      linesAndMessagesOf(noUpdateAlone, 'FROM a\nRUN apk update\n'),
    ).toEqual([
      [
        2,
        "'apk update' runs in a RUN that installs nothing, so the index is cached in this layer and goes stale; install in the same RUN",
      ],
    ]);
  });
});
