import type { Finding } from '@imagegate/findings';
import { describe, expect, it } from 'vitest';
import {
  annotationLevel,
  chooseAnnotations,
  omittedAnnotationsNote,
} from '../src/index';
import { finding, findingAt } from './fixtures';

describe('annotationLevel', () => {
  it.each([
    ['critical', 'error'],
    ['high', 'error'],
    ['medium', 'warning'],
    ['low', 'notice'],
    ['negligible', 'notice'],
    ['unknown', 'notice'],
  ] as const)('maps %s to %s', (severity, level) => {
    expect(annotationLevel(severity)).toBe(level);
  });
});

describe('chooseAnnotations', () => {
  it('keeps the 10 most severe of each level, most severe first', () => {
    const findings: Finding[] = [];
    for (let line = 1; line <= 12; line += 1) {
      findings.push(findingAt(line, 'high'), findingAt(100 + line, 'medium'));
    }
    findings.push(findingAt(50, 'critical'), findingAt(60, 'low'));

    const { annotations, omitted } = chooseAnnotations(findings);

    expect(annotations.map((a) => `${a.level}:${a.startLine}`)).toEqual([
      'error:50',
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((line) => `error:${line}`),
      ...[101, 102, 103, 104, 105, 106, 107, 108, 109, 110].map(
        (line) => `warning:${line}`,
      ),
      'notice:60',
    ]);
    expect(omitted).toEqual({ error: 3, warning: 2, notice: 0 });
  });

  it('leaves suppressed findings out', () => {
    const suppressed = finding({
      suppression: { kind: 'inline', justification: 'reviewed' },
    });

    expect(chooseAnnotations([suppressed]).annotations).toEqual([]);
  });

  it('places an annotation on the finding, columns only within a line', () => {
    const oneLine = finding();
    const spanning = finding({
      severity: 'high',
      location: { path: 'a/Dockerfile', line: 2, column: 3, endLine: 4 },
    });

    const { annotations } = chooseAnnotations([oneLine, spanning]);

    expect(annotations).toEqual([
      {
        level: 'error',
        title: "high: Base image uses the 'latest' tag (no-latest-tag)",
        message: "'alpine:latest' uses the moving 'latest' tag",
        file: 'a/Dockerfile',
        startLine: 2,
        endLine: 4,
      },
      {
        level: 'warning',
        title: "medium: Base image uses the 'latest' tag (no-latest-tag)",
        message: "'alpine:latest' uses the moving 'latest' tag",
        file: 'Dockerfile',
        startLine: 1,
        endLine: 1,
        startColumn: 1,
        endColumn: 19,
      },
    ]);
  });

  it('gives an image finding no file', () => {
    const image = finding({ location: { image: 'alpine:3.20' } });

    const [annotation] = chooseAnnotations([image]).annotations;

    expect(annotation?.file).toBeUndefined();
  });
});

describe('omittedAnnotationsNote', () => {
  it('counts what was left out by level', () => {
    const note = omittedAnnotationsNote({ error: 1, warning: 2, notice: 0 });

    expect(note).toMatch(
      /^3 more findings \(1 error, 2 warnings\) not annotated/,
    );
  });

  it('says nothing when nothing was left out', () => {
    expect(
      omittedAnnotationsNote({ error: 0, warning: 0, notice: 0 }),
    ).toBeUndefined();
  });
});
