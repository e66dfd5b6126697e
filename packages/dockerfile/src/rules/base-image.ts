import type { Instruction, Stage } from '../model';
import { hitOn, type LintRule, type RuleHit } from '../rule';

/** FROM lines that name a real image: not scratch, not an earlier stage. */
export function externalStages(stages: readonly Stage[]): Stage[] {
  return stages.filter((stage) => !stage.from.isStage && !stage.from.isScratch);
}

function eachExternalFrom(
  stages: readonly Stage[],
  check: (stage: Stage, from: Instruction) => RuleHit | undefined,
): RuleHit[] {
  return externalStages(stages).flatMap((stage) => {
    const hit = check(stage, stage.fromInstruction);
    return hit === undefined ? [] : [hit];
  });
}

export const baseImageTagged: LintRule = {
  id: 'base-image-tagged',
  title: 'Base image has no tag',
  severity: 'medium',
  rationale:
    'Without a tag FROM pulls `latest`, so the next build may start from a different image with different packages and vulnerabilities than the one you tested.',
  fix: 'Name a release tag (`FROM alpine:3.20`), or better pin the digest (`FROM alpine:3.20@sha256:...`).',
  aliases: ['DL3006'],
  tags: ['base-image', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachExternalFrom(dockerfile.stages, (stage, from) => {
      const image = stage.from;
      if (image.tag !== undefined || image.digest !== undefined)
        return undefined;
      if (image.raw.includes('$')) return undefined;
      return hitOn(
        from,
        `'${image.resolved}' has no tag, so it means whatever 'latest' is on the day of the build`,
      );
    }),
};

export const noLatestTag: LintRule = {
  id: 'no-latest-tag',
  title: "Base image uses the 'latest' tag",
  severity: 'medium',
  rationale:
    "`latest` moves with every release, so builds are not reproducible and a scan of yesterday's image says nothing about today's.",
  fix: 'Pin a release tag and, for production, the digest: `FROM alpine:3.20@sha256:...`.',
  aliases: ['DL3007', 'DKL-DI-0006'],
  tags: ['base-image', 'reproducibility'],
  check: ({ dockerfile }) =>
    eachExternalFrom(dockerfile.stages, (stage, from) => {
      const { tag, digest } = stage.from;
      if (tag !== 'latest' || digest !== undefined) return undefined;
      return hitOn(
        from,
        `'${stage.from.resolved}' uses the moving 'latest' tag`,
      );
    }),
};

export const BASE_IMAGE_RULES: LintRule[] = [baseImageTagged, noLatestTag];
