import { describe, expect, it } from 'vitest';
import {
  debugToolsInFinalStage,
  multiStageBuild,
  sudoInstalled,
} from '../../src/rules/sec-content';
import { chmod777, isWorldWritable } from '../../src/rules/sec-permissions';
import { findingLinesOf, findingsOf } from './support';

describe('multi-stage-build', () => {
  it.each([
    ['FROM golang:1.23\nRUN go build -o /app .\n', 1],
    ['FROM maven:3-eclipse-temurin-21\n', 1],
    ['FROM eclipse-temurin:21\n', 1],
    ['FROM mcr.microsoft.com/dotnet/sdk:8.0\n', 1],
    ['FROM debian:12-slim\nRUN apt-get install -y build-essential\n', 2],
    ['FROM alpine:3.20\nRUN apk add --no-cache gcc musl-dev make\n', 2],
    ['FROM fedora:40\nRUN dnf install -y gcc-c++ && dnf clean all\n', 2],
    ['FROM fedora:40\nRUN dnf groupinstall -y "Development Tools"\n', 2],
    ['FROM ubuntu:24.04\nRUN sudo apt-get install -y gcc-12\n', 2],
    ['FROM golang:1.23 AS base\nFROM base\n', 1],
  ])('reports %j on line %i', (text, line) => {
    expect(findingLinesOf(multiStageBuild, text)).toEqual([line]);
  });

  it.each([
    ['FROM golang:1.23 AS build\nFROM gcr.io/distroless/static-debian12\n'],
    ['FROM eclipse-temurin:21-jre\n'],
    [
      'FROM debian:12 AS build\nRUN apt-get install -y gcc\nFROM debian:12-slim\n',
    ],
    [
      'FROM alpine\nRUN apk add --virtual .build-deps gcc make && make && apk del .build-deps\n',
    ],
    ['FROM debian\nRUN apt-get install -y gcc\nRUN apt-get purge -y gcc\n'],
    ['FROM alpine\nRUN apk add --no-cache ca-certificates\n'],
  ])('accepts %j', (text) => {
    expect(findingLinesOf(multiStageBuild, text)).toEqual([]);
  });

  it('names the installed tools', () => {
    const text = 'FROM debian\nRUN apt-get install -y gcc=4:12 make\n';

    expect(findingsOf(multiStageBuild, text).map((f) => f.message)).toEqual([
      "installs build tools ('gcc', 'make') into the final image; build in an earlier stage and copy only the result",
    ]);
  });
});

describe('debug-tools-in-final-stage', () => {
  it.each([
    ['RUN apt-get update && apt-get install -y curl netcat-openbsd'],
    ['RUN apk add --no-cache wget socat'],
    ['RUN yum install -y nmap tcpdump'],
    ['RUN microdnf install -y strace gdb'],
    ['RUN zypper --non-interactive in vim openssh-server'],
    ['RUN apt-get -o Dpkg::Options::=--force-confold install -y telnet'],
  ])('reports %s', (run) => {
    expect(
      findingLinesOf(debugToolsInFinalStage, `FROM debian\n${run}\n`),
    ).toEqual([2]);
  });

  it('ignores tools installed only in a build stage', () => {
    const text = [
      'FROM debian AS fetch',
      'RUN apt-get install -y curl',
      'FROM gcr.io/distroless/static',
      '',
    ].join('\n');

    expect(findingLinesOf(debugToolsInFinalStage, text)).toEqual([]);
  });

  it('follows the final stage back through the stages it is built on', () => {
    const text = [
      'FROM debian AS tools',
      'RUN apt-get install -y curl',
      'FROM tools',
      '',
    ].join('\n');

    expect(findingLinesOf(debugToolsInFinalStage, text)).toEqual([2]);
  });

  it('ignores tools removed again', () => {
    const text =
      'FROM debian\nRUN apt-get install -y curl && curl -o x y && apt-get purge -y curl\n';

    expect(findingLinesOf(debugToolsInFinalStage, text)).toEqual([]);
  });
});

describe('sudo-installed', () => {
  it.each([
    ['RUN apt-get install -y sudo'],
    ['RUN apk add sudo'],
    ['RUN dnf install -y sudo'],
  ])('reports %s', (run) => {
    expect(findingLinesOf(sudoInstalled, `FROM debian\n${run}\n`)).toEqual([2]);
  });

  it('ignores sudo in a build stage and the word in other commands', () => {
    const text = [
      'FROM debian AS build',
      'RUN apt-get install -y sudo',
      'FROM debian:12-slim',
      'RUN echo sudo && apt-get install -y ca-certificates',
      '',
    ].join('\n');

    expect(findingLinesOf(sudoInstalled, text)).toEqual([]);
  });
});

describe('chmod-777', () => {
  it.each([
    ['RUN chmod 777 /app'],
    ['RUN chmod -R 777 /app'],
    ['RUN chmod 0666 /app/config'],
    ['RUN chmod o+w /app'],
    ['RUN chmod u+x,a+rw /app'],
    ['RUN mkdir -pm 777 /data'],
    ['RUN install -m 0777 bin /usr/local/bin/'],
    ['COPY --chmod=777 app /app'],
    ['ADD --chmod=o+w app.tar /app'],
  ])('reports %s', (line) => {
    expect(findingLinesOf(chmod777, `FROM alpine\n${line}\n`)).toEqual([2]);
  });

  it.each([
    ['RUN chmod 755 /app'],
    ['RUN chmod 1777 /scratch'],
    ['RUN chmod o-w /app'],
    ['RUN chmod +x /app/run'],
    ['COPY --chmod=644 app /app'],
  ])('accepts %s', (line) => {
    expect(findingLinesOf(chmod777, `FROM alpine\n${line}\n`)).toEqual([]);
  });

  it('ignores build stages', () => {
    const text = 'FROM alpine AS b\nRUN chmod 777 /x\nFROM alpine\n';

    expect(findingLinesOf(chmod777, text)).toEqual([]);
  });
});

describe('isWorldWritable', () => {
  it.each([
    ['777', true],
    ['2', true],
    ['0775', false],
    ['4777', true],
    ['1777', false],
    ['ugo=rwx', true],
    ['g+w', false],
    ['+w', false],
    ['not-a-mode', false],
  ])('judges %s as %s', (mode, expected) => {
    expect(isWorldWritable(mode)).toBe(expected);
  });
});
