import type { Instruction } from '../model';
import { hitOn, instructionsOf, type LintRule, type RuleHit } from '../rule';
import { readAssignments, type Assignment } from './sec-assignments';
import { copySources } from './sec-commands';
import {
  isSecretName,
  isVariableReference,
  secretShapeOf,
} from './sec-secret-values';
import { secretFileKind } from './sec-secret-files';

/**
 * Limitation: only ENV and ARG are read; a literal token in a RUN command,
 * a LABEL or a heredoc is not found.
 */
export const secretInEnvOrArg: LintRule = {
  id: 'secret-in-env-or-arg',
  title: 'Secret in ENV or ARG',
  severity: 'high',
  rationale:
    'ENV values are stored in the image configuration and visible to anyone who can pull the image (`docker inspect`). ARG values are not stored as such, but every RUN that follows records them in the image history, and the build cache keeps them too. A password or token passed either way leaks to every registry, cache and laptop the image reaches, and cannot be revoked by rebuilding.',
  fix: 'Pass secrets to the build with a secret mount, which is never stored in a layer: `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci`, built with `docker build --secret id=npm_token,env=NPM_TOKEN .`. Supply run-time secrets from the orchestrator (Kubernetes Secrets, a vault agent), not from the image. Rotate any secret that was already committed.',
  aliases: ['DL3064', 'CIS-DI-0010'],
  tags: ['security', 'secrets'],
  check: ({ dockerfile }) =>
    instructionsOf(dockerfile, 'ENV', 'ARG').flatMap((instruction) => {
      const assignments = readAssignments(instruction, dockerfile.escapeChar);
      const hit = secretAssignmentHit(instruction, assignments);
      return hit === undefined ? [] : [hit];
    }),
};

/** Why an assignment looks secret, or undefined when it does not. */
function secretReason(assignment: Assignment): string | undefined {
  const nameShape = secretShapeOf(assignment.name);
  if (nameShape !== undefined) {
    return `a variable name looks like ${nameShape}`;
  }
  const shape =
    assignment.value === undefined
      ? undefined
      : secretShapeOf(assignment.value);
  if (shape !== undefined) {
    return `the value of '${assignment.name}' looks like ${shape}`;
  }
  return isSecretName(assignment.name)
    ? `'${assignment.name}' is named like a secret`
    : undefined;
}

/**
 * One hit per instruction, naming the variables but never their values;
 * the values go into `secrets` so every output masks them.
 */
function secretAssignmentHit(
  instruction: Instruction,
  assignments: readonly Assignment[],
): RuleHit | undefined {
  const flagged = assignments.flatMap((assignment) => {
    const reason = secretReason(assignment);
    return reason === undefined ? [] : [{ assignment, reason }];
  });
  if (flagged.length === 0) return undefined;
  const reasons = flagged.map(({ reason }) => reason).join('; ');
  const secrets = flagged.flatMap(({ assignment }) =>
    literalValues(assignment),
  );
  return hitOn(
    instruction,
    `${reasons}; pass secrets with RUN --mount=type=secret, not ${instruction.keyword}`,
    secrets,
  );
}

/**
 * The spellings of a value to mask, as written and unquoted, and the
 * name itself when it has the shape of a credential.
 * Limitation: a value broken over lines with a continuation is masked
 * only where it appears whole, so its pieces may show in source lines.
 */
function literalValues({ name, value, raw }: Assignment): string[] {
  const nameIfSecret = secretShapeOf(name) === undefined ? [] : [name];
  return [...nameIfSecret, value, raw].filter(
    (text): text is string =>
      text !== undefined && text !== '' && !isVariableReference(text),
  );
}

export const copySecretFile: LintRule = {
  id: 'copy-secret-file',
  title: 'Credential file copied into the image',
  severity: 'high',
  rationale:
    'Files such as `.env`, private keys, `.npmrc`, `.netrc`, cloud credentials and the `.git` directory hold passwords, tokens or keys. Once COPY or ADD puts them in a layer they stay in the image and its build cache even if a later step deletes them, and anyone who can pull the image can read them.',
  fix: 'Keep such files out of the build context with `.dockerignore`, and give the build what it needs through a secret mount: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`. Supply run-time credentials from the orchestrator. Rotate anything that was already copied into a pushed image.',
  aliases: [],
  tags: ['security', 'secrets'],
  check: ({ dockerfile }) =>
    instructionsOf(dockerfile, 'COPY', 'ADD').flatMap((instruction) => {
      const found = copySources(instruction).flatMap((source) => {
        const kind = secretFileKind(source);
        return kind === undefined ? [] : [`'${source}' (${kind})`];
      });
      if (found.length === 0) return [];
      return [
        hitOn(
          instruction,
          `copies ${found.join(', ')} into the image; use a secret mount instead`,
        ),
      ];
    }),
};
