import {
  severityRank,
  sortFindings,
  type Finding,
  type Severity,
} from '@imagegate/findings';

/** The annotation levels a workflow step can emit. */
export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** Levels in the order annotations are emitted: most severe first. */
export const ANNOTATION_LEVELS: readonly AnnotationLevel[] = [
  'error',
  'warning',
  'notice',
];

/** GitHub shows at most this many annotations of each level per step. */
export const ANNOTATIONS_PER_LEVEL = 10;

/** One check annotation, in the terms of `@actions/core`'s properties. */
export interface Annotation {
  level: AnnotationLevel;
  title: string;
  message: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

/** The annotations to emit and how many of each level were left out. */
export interface AnnotationChoice {
  annotations: Annotation[];
  omitted: Record<AnnotationLevel, number>;
}

/** The annotation level of a severity. */
export function annotationLevel(severity: Severity): AnnotationLevel {
  if (severityRank(severity) >= severityRank('high')) return 'error';
  return severity === 'medium' ? 'warning' : 'notice';
}

/**
 * Chooses annotations for the unsuppressed findings: most severe first,
 * at most `perLevel` of each level, since GitHub drops the rest of a
 * step's annotations anyway. The count of the others comes back so the
 * caller can say where to find them.
 * Limitation: GitHub also caps a job at 50 annotations across its steps;
 * a job with many imagegate steps may lose the later ones.
 */
export function chooseAnnotations(
  findings: readonly Finding[],
  perLevel: number = ANNOTATIONS_PER_LEVEL,
): AnnotationChoice {
  const omitted: Record<AnnotationLevel, number> = {
    error: 0,
    warning: 0,
    notice: 0,
  };
  const annotations: Annotation[] = [];
  for (const finding of sortFindings(findings)) {
    if (finding.suppression !== undefined) continue;
    const level = annotationLevel(finding.severity);
    const taken = annotations.filter((a) => a.level === level).length;
    if (taken < perLevel) annotations.push(toAnnotation(finding, level));
    else omitted[level] += 1;
  }
  return { annotations, omitted };
}

/**
 * A sentence on the findings left without an annotation, such as
 * `3 more findings (1 error, 2 warnings) are not annotated: ...`;
 * undefined when none were left out.
 */
export function omittedAnnotationsNote(
  omitted: Record<AnnotationLevel, number>,
): string | undefined {
  const parts = ANNOTATION_LEVELS.filter((level) => omitted[level] > 0).map(
    (level) => `${omitted[level]} ${level}${omitted[level] === 1 ? '' : 's'}`,
  );
  if (parts.length === 0) return undefined;
  const total = ANNOTATION_LEVELS.reduce((sum, l) => sum + omitted[l], 0);
  const noun = total === 1 ? 'finding' : 'findings';
  return (
    `${total} more ${noun} (${parts.join(', ')}) not annotated: GitHub ` +
    `shows ${ANNOTATIONS_PER_LEVEL} annotations per level and step; ` +
    'the job summary and the SARIF file list them all'
  );
}

function toAnnotation(finding: Finding, level: AnnotationLevel): Annotation {
  const title = `${finding.severity}: ${finding.title} (${finding.ruleId})`;
  const annotation: Annotation = { level, title, message: finding.message };
  const { path, line, endLine, column, endColumn } = finding.location;
  if (path === undefined) return annotation;
  annotation.file = path;
  if (line === undefined) return annotation;
  annotation.startLine = line;
  annotation.endLine = endLine ?? line;
  // GitHub honours columns only on an annotation within one line.
  if (annotation.endLine === line && column !== undefined) {
    annotation.startColumn = column;
    if (endColumn !== undefined) annotation.endColumn = endColumn;
  }
  return annotation;
}
