import * as core from '@actions/core';
import type { Finding } from '@imagegate/findings';
import {
  chooseAnnotations,
  omittedAnnotationsNote,
  type Annotation,
} from '@imagegate/github';

/**
 * Emits check annotations on the findings' lines: the most severe first,
 * as many per level as GitHub shows, then one log line on the rest.
 */
export function annotateFindings(findings: readonly Finding[]): void {
  const { annotations, omitted } = chooseAnnotations(findings);
  for (const annotation of annotations) emitAnnotation(annotation);
  const note = omittedAnnotationsNote(omitted);
  if (note !== undefined) core.info(note);
}

function emitAnnotation(annotation: Annotation): void {
  const { level, message, ...place } = annotation;
  const properties: core.AnnotationProperties = { title: place.title };
  if (place.file !== undefined) properties.file = place.file;
  if (place.startLine !== undefined) properties.startLine = place.startLine;
  if (place.endLine !== undefined) properties.endLine = place.endLine;
  if (place.startColumn !== undefined)
    properties.startColumn = place.startColumn;
  if (place.endColumn !== undefined) properties.endColumn = place.endColumn;
  core[level](message, properties);
}

/**
 * Appends Markdown to the step's job summary. The summary is optional:
 * when it cannot be written the step warns and carries on.
 */
export async function writeJobSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    core.warning(`the job summary was not written: ${reason}`);
  }
}
