import type { Dockerfile, Instruction } from '../model';
import {
  hitOn,
  instructionsOf,
  type LabelType,
  type LintRule,
  type RuleHit,
} from '../rule';
import {
  isEmail,
  isGitHash,
  isRfc3339,
  isSemver,
  isSpdxExpression,
  isUrl,
} from './in-label-values';
import { foldStages, imageStages, stageLabel } from './in-stage-graph';
import { keyValues, shorten, type KeyValue } from './in-words';

/** Each `key=value` of every LABEL, ONBUILD triggers included. */
function eachLabel(
  dockerfile: Dockerfile,
  check: (pair: KeyValue, label: Instruction) => string | undefined,
): RuleHit[] {
  return instructionsOf(dockerfile, 'LABEL').flatMap((label) =>
    keyValues(label, dockerfile.escapeChar).flatMap((pair) => {
      const message = check(pair, label);
      return message === undefined ? [] : [hitOn(label, message)];
    }),
  );
}

const RESERVED_NAMESPACES = ['com.docker.', 'io.docker.', 'org.dockerproject.'];

/** Why a label key breaks Docker's key format, or undefined if it is fine. */
function labelKeyProblem(key: string): string | undefined {
  const namespace = RESERVED_NAMESPACES.find((prefix) =>
    key.startsWith(prefix),
  );
  if (namespace !== undefined) {
    return `the '${namespace}' namespace is reserved for Docker`;
  }
  if (!/^[a-z0-9.-]*$/.test(key)) {
    return 'only lower-case letters, digits, dots and dashes are allowed';
  }
  if (!/^[a-z]/.test(key)) return 'it must start with a lower-case letter';
  if (!/[a-z0-9]$/.test(key)) return 'it must end with a letter or digit';
  if (key.includes('..') || key.includes('--')) {
    return 'dots and dashes may not repeat';
  }
  return undefined;
}

export const labelKeyValid: LintRule = {
  id: 'label-key-valid',
  title: 'Label key breaks the key format',
  severity: 'negligible',
  rationale:
    "Docker's guidelines ask for label keys in reverse-DNS form of lower-case letters, digits, dots and dashes, starting with a letter, and reserve the `com.docker.*`, `io.docker.*` and `org.dockerproject.*` namespaces. Tools that query labels rely on that format.",
  fix: 'Rename the key, for example `org.opencontainers.image.source` or `com.example.team`.',
  aliases: ['DL3048'],
  tags: ['labels', 'style'],
  check: ({ dockerfile }) =>
    eachLabel(dockerfile, ({ key }) => {
      const problem = labelKeyProblem(key);
      return problem === undefined
        ? undefined
        : `label key '${shorten(key)}' is not valid: ${problem}`;
    }),
};

export const labelRequired: LintRule = {
  id: 'label-required',
  title: 'Label required by the schema is missing',
  severity: 'low',
  rationale:
    'A label schema lists what every image must say about itself: its source, owner, licence or version. An image without them cannot be traced back or audited. Stages that only feed other stages are not images and are not checked.',
  fix: 'Add the label to the stage, or to a stage it is built FROM: `LABEL org.opencontainers.image.source="https://github.com/org/repo"`.',
  aliases: ['DL3049'],
  tags: ['labels'],
  check: ({ dockerfile, options }) => {
    const required = Object.keys(options.labelSchema);
    if (required.length === 0) return [];
    const present = foldStages<boolean[]>(
      dockerfile,
      required.map(() => false),
      (inherited, stage) => {
        const keys = new Set(ownLabelKeys(dockerfile, stage.instructions));
        return required.map((key, i) => inherited[i] === true || keys.has(key));
      },
    );
    return imageStages(dockerfile).flatMap((stage) =>
      required.flatMap((key, i) =>
        present[stage.index]?.[i] === true
          ? []
          : [
              hitOn(
                stage.fromInstruction,
                `${stageLabel(stage)} has no label '${key}', which the label schema requires`,
              ),
            ],
      ),
    );
  },
};

/**
 * The label keys a stage sets itself.
 * Limitation: ONBUILD LABELs are left out, as they label the child image;
 * labels the base image carries are unknown and so do not count either.
 */
function ownLabelKeys(
  dockerfile: Dockerfile,
  instructions: readonly Instruction[],
): string[] {
  return instructions
    .filter((i) => i.keyword === 'LABEL' && !i.onbuild)
    .flatMap((label) => keyValues(label, dockerfile.escapeChar))
    .map((pair) => pair.key);
}

export const labelInSchema: LintRule = {
  id: 'label-in-schema',
  title: 'Label not in the schema',
  severity: 'low',
  rationale:
    'With `strict-labels` on, the label schema is the complete list of labels an image may carry. A label outside it is a typo of a required key, or metadata nobody agreed to publish.',
  fix: 'Remove the label, fix its spelling, or add it to `lint.label-schema`.',
  aliases: ['DL3050'],
  tags: ['labels'],
  check: ({ dockerfile, options }) => {
    if (!options.strictLabels) return [];
    const known = Object.keys(options.labelSchema);
    return eachLabel(dockerfile, ({ key }) =>
      Object.hasOwn(options.labelSchema, key)
        ? undefined
        : `label '${shorten(key)}' is not in the label schema (${shorten(known.join(', '), 50) || 'empty'}) and strict-labels is on`,
    );
  },
};

export const labelNotEmpty: LintRule = {
  id: 'label-not-empty',
  title: 'Label required by the schema is empty',
  severity: 'medium',
  rationale:
    'A schema label with an empty value passes a presence check but says nothing, which defeats the reason the label is required.',
  fix: 'Give the label its value, for example from a build argument: `LABEL org.opencontainers.image.revision=$GIT_SHA`.',
  aliases: ['DL3051'],
  tags: ['labels'],
  check: ({ dockerfile, options }) =>
    eachLabel(dockerfile, ({ key, value }) =>
      Object.hasOwn(options.labelSchema, key) && value === ''
        ? `label '${key}' is empty, but the label schema requires a value`
        : undefined,
    ),
};

interface LabelFormat {
  id: string;
  alias: string;
  type: LabelType;
  /** What a valid value is, completing "is not ...". */
  expected: string;
  example: string;
  isValid: (value: string) => boolean;
}

/** A rule that checks the labels the schema gives one type. */
function labelFormatRule(format: LabelFormat, rationale: string): LintRule {
  return {
    id: format.id,
    title: `Label is not ${format.expected}`,
    severity: 'medium',
    rationale,
    fix: `Write the value as ${format.expected}, for example \`${format.example}\`, or correct the type in \`lint.label-schema\`.`,
    aliases: [format.alias],
    tags: ['labels'],
    check: ({ dockerfile, options }) =>
      eachLabel(dockerfile, ({ key, value }) => {
        const type = Object.hasOwn(options.labelSchema, key)
          ? options.labelSchema[key]
          : undefined;
        // Empty values are the concern of label-not-empty.
        if (type !== format.type || value === '' || format.isValid(value)) {
          return undefined;
        }
        return `label '${key}' is '${shorten(value)}', which is not ${format.expected} as the label schema requires`;
      }),
  };
}

export const labelUrl = labelFormatRule(
  {
    id: 'label-url',
    alias: 'DL3052',
    type: 'url',
    expected: 'an absolute URL',
    example: 'https://github.com/org/repo',
    isValid: isUrl,
  },
  'Labels typed as URLs are followed by people and tools, to the source repository or documentation. A value without a scheme or with a typo leads nowhere.',
);

export const labelRfc3339 = labelFormatRule(
  {
    id: 'label-rfc3339',
    alias: 'DL3053',
    type: 'rfc3339',
    expected: 'an RFC 3339 timestamp',
    example: '2024-05-01T12:00:00Z',
    isValid: isRfc3339,
  },
  'Timestamp labels such as `org.opencontainers.image.created` are compared and sorted by tools. Only RFC 3339 timestamps, with date, time and offset, sort and parse the same everywhere.',
);

export const labelSpdx = labelFormatRule(
  {
    id: 'label-spdx',
    alias: 'DL3054',
    type: 'spdx',
    expected: 'an SPDX licence expression',
    example: 'Apache-2.0 OR MIT',
    isValid: isSpdxExpression,
  },
  'Licence labels feed compliance tooling, which matches SPDX identifiers exactly. A free-text licence name cannot be matched and is treated as unknown. Expressions with AND, OR and WITH are accepted, as the OCI image spec allows.',
);

export const labelGitHash = labelFormatRule(
  {
    id: 'label-git-hash',
    alias: 'DL3055',
    type: 'hash',
    expected: 'a git commit hash',
    example: '43c572f1272b6b3171dd1db9e41b7027128ce080',
    isValid: isGitHash,
  },
  'Revision labels tie an image to the commit it was built from. A value that is not a lower-case hexadecimal commit id (7 to 40 digits, or a 64-digit SHA-256 id) cannot be looked up in the repository.',
);

export const labelSemver = labelFormatRule(
  {
    id: 'label-semver',
    alias: 'DL3056',
    type: 'semver',
    expected: 'a semantic version',
    example: '1.4.2',
    isValid: isSemver,
  },
  'Version labels are compared by tools to order releases. Only Semantic Versioning 2.0.0 values (`MAJOR.MINOR.PATCH`, optional pre-release and build parts) order reliably.',
);

export const labelEmail = labelFormatRule(
  {
    id: 'label-email',
    alias: 'DL3058',
    type: 'email',
    expected: 'an e-mail address',
    example: 'team@example.com',
    isValid: isEmail,
  },
  'Contact labels are how someone who finds a problem in the image reaches its owner. A value that is not an e-mail address leaves them no way to do so.',
);

export const LABEL_RULES: LintRule[] = [
  labelKeyValid,
  labelRequired,
  labelInSchema,
  labelNotEmpty,
  labelUrl,
  labelRfc3339,
  labelSpdx,
  labelGitHash,
  labelSemver,
  labelEmail,
];
