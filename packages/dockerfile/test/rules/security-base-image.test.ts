import { describe, expect, it } from 'vitest';
import {
  allowedBaseImage,
  baseImageDigest,
  matchesPattern,
  minimalBaseImage,
} from '../../src/rules/sec-base-image';
import { findingMessagesOf } from './support';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('base-image-digest', () => {
  it('reports each external stage without a digest', () => {
    const text = 'FROM golang:1.23 AS build\nFROM alpine:3.20\n';

    expect(findingMessagesOf(baseImageDigest, text)).toEqual([
      "'golang:1.23' is not pinned by digest; write it as 'golang:1.23@sha256:<digest>'",
      "'alpine:3.20' is not pinned by digest; write it as 'alpine:3.20@sha256:<digest>'",
    ]);
  });

  it.each([
    [`FROM alpine:3.20@${DIGEST}\n`, 'a pinned image'],
    ['FROM scratch\n', 'scratch'],
    [`FROM alpine@${DIGEST} AS base\nFROM base\n`, 'an earlier stage'],
    ['ARG BASE\nFROM $BASE\n', 'a base chosen at build time'],
  ])('accepts %j (%s)', (text) => {
    expect(findingMessagesOf(baseImageDigest, text)).toEqual([]);
  });

  it('checks the image an ARG default resolves to', () => {
    const text = 'ARG BASE=ghcr.io/acme/base:1\nFROM ${BASE}\n';

    expect(findingMessagesOf(baseImageDigest, text)).toEqual([
      "'ghcr.io/acme/base:1' is not pinned by digest; write it as 'ghcr.io/acme/base:1@sha256:<digest>'",
    ]);
  });
});

describe('allowed-base-image', () => {
  const allowed = ['alpine:3.*', 'cgr.dev/chainguard/*', 'debian'];

  it.each([
    ['alpine:3.20'],
    [`alpine:3.20@${DIGEST}`],
    ['docker.io/library/alpine:3.19'],
    ['cgr.dev/chainguard/static:latest'],
    ['debian:12-slim'],
  ])('accepts %s', (image) => {
    const text = `FROM ${image}\n`;

    expect(
      findingMessagesOf(allowedBaseImage, text, { allowedBaseImages: allowed }),
    ).toEqual([]);
  });

  it.each([
    ['alpine:edge'],
    ['ubuntu:24.04'],
    ['evil.io/cgr.dev/chainguard/x'],
  ])('reports %s', (image) => {
    const text = `FROM ${image}\n`;

    expect(
      findingMessagesOf(allowedBaseImage, text, { allowedBaseImages: allowed }),
    ).toHaveLength(1);
  });

  it('allows everything when the list is empty', () => {
    expect(findingMessagesOf(allowedBaseImage, 'FROM anything:1\n')).toEqual(
      [],
    );
  });

  it('checks every stage but not stage references or scratch', () => {
    const text = 'FROM node:22 AS build\nFROM scratch\nFROM build\n';

    expect(
      findingMessagesOf(allowedBaseImage, text, {
        allowedBaseImages: ['alpine'],
      }),
    ).toEqual(["'node:22' matches none of the allowed base images ('alpine')"]);
  });

  it('refuses a base image chosen by an ARG with no default', () => {
    const text = 'ARG BASE\nFROM $BASE\n';

    expect(
      findingMessagesOf(allowedBaseImage, text, {
        allowedBaseImages: ['alpine'],
      }),
    ).toEqual([
      "'$BASE' is chosen by a build argument with no default, so it cannot be checked against the allowed base images ('alpine')",
    ]);
  });
});

describe('matchesPattern', () => {
  it.each([
    ['alpine', 'alpine', true],
    ['ALPINE:*', 'alpine:3.20', true],
    ['*/chainguard/*', 'cgr.dev/chainguard/go', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['alpine', 'alpine:3.20', false],
    ['*', '', true],
  ])('matches %s against %s: %s', (pattern, text, expected) => {
    expect(matchesPattern(pattern, text)).toBe(expected);
  });

  it('stays fast on a pattern built to backtrack', () => {
    const matched = matchesPattern(`${'*a'.repeat(50)}b`, 'a'.repeat(5_000));

    expect(matched).toBe(false);
  });
});

describe('minimal-base-image', () => {
  it.each([
    ['ubuntu:24.04'],
    ['debian:12'],
    ['centos:7'],
    ['fedora:40'],
    ['amazonlinux:2023'],
    ['node:22'],
    ['python:3.12-bookworm'],
    ['golang:1.23'],
    ['openjdk:21'],
    ['public.ecr.aws/docker/library/node:22'],
    ['registry.access.redhat.com/ubi9/ubi:9.4'],
  ])('reports %s', (image) => {
    expect(findingMessagesOf(minimalBaseImage, `FROM ${image}\n`)).toHaveLength(
      1,
    );
  });

  it.each([
    ['debian:12-slim'],
    ['node:22-alpine'],
    ['python:3.12-slim-bookworm'],
    ['gcr.io/distroless/static-debian12:nonroot'],
    ['cgr.dev/chainguard/node:latest'],
    ['amazonlinux:2023-minimal'],
    ['registry.access.redhat.com/ubi9/ubi-minimal'],
    ['scratch'],
  ])('accepts %s', (image) => {
    expect(findingMessagesOf(minimalBaseImage, `FROM ${image}\n`)).toEqual([]);
  });

  it('judges only the final image, following stage references', () => {
    const text = [
      'FROM golang:1.23 AS build',
      'FROM ubuntu:24.04 AS runtime',
      'FROM runtime',
      '',
    ].join('\n');

    expect(findingMessagesOf(minimalBaseImage, text)).toEqual([
      "the final image is built on 'ubuntu:24.04', a full distribution image; consider 'debian:<release>-slim' or 'gcr.io/distroless/base-debian12'",
    ]);
  });

  it('accepts a full image used only to build', () => {
    const text = 'FROM node:22 AS build\nFROM node:22-slim\n';

    expect(findingMessagesOf(minimalBaseImage, text)).toEqual([]);
  });
});
