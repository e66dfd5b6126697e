import type { BaseImage, Instruction } from '../model';
import { hitOn, type LintRule } from '../rule';
import { finalImage } from './sec-stages';

/** True for `root`, `0`, `root:root`, `0:0` and the like. */
function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim().toLowerCase() ?? '';
  return name === 'root' || name === '0';
}

function setsNonRootUser(instruction: Instruction): boolean {
  if (instruction.keyword !== 'USER') return false;
  const user = instruction.text.trim();
  return user !== '' && !isRootUser(user);
}

/**
 * Base images known to run as a non-root user.
 * Limitation: only tags that say so (distroless `:nonroot`) are known; the
 * USER a base image sets is not read, so an image that is non-root by
 * default under another tag still needs a USER line to satisfy the rule.
 */
function isNonRootImage(image: BaseImage): boolean {
  return (image.tag ?? '').toLowerCase().includes('nonroot');
}

export const userRequired: LintRule = {
  id: 'user-required',
  title: 'Final image runs as root',
  severity: 'medium',
  rationale:
    'Without a USER instruction a container runs as root. Root inside a container is still root for the kernel: with a misconfigured mount, an extra capability or a runtime bug it becomes root on the host, and even when confined it can rewrite everything in the image. Running as an unprivileged user costs one line and closes most of those paths.',
  fix: 'Create a user and switch to it before the final CMD: `RUN useradd --uid 10001 --no-create-home app` (Alpine: `adduser -D -u 10001 app`), then `USER 10001`. Distroless images provide a `:nonroot` tag, and scratch images can use `USER 65532`.',
  aliases: ['CIS-DI-0001'],
  tags: ['security', 'privilege'],
  check: ({ dockerfile }) => {
    const image = finalImage(dockerfile);
    if (image === undefined) return [];
    if (image.instructions.some(setsNonRootUser)) return [];
    if (isNonRootImage(image.root.from)) return [];
    return [
      hitOn(
        image.final.fromInstruction,
        'the final image never switches to a non-root USER, so it runs as root',
      ),
    ];
  },
};

export const healthcheckMissing: LintRule = {
  id: 'healthcheck-missing',
  title: 'No HEALTHCHECK in the final image',
  severity: 'low',
  rationale:
    'A HEALTHCHECK lets Docker and Swarm notice a container that is running but no longer serving, such as a deadlocked process or an exhausted pool, and replace it. Without one, a hung service looks healthy until users complain. Setting `HEALTHCHECK NONE` on purpose (for example when Kubernetes probes do the job) is a fine answer too; the rule only asks that the choice be written down.',
  fix: 'Add a check the image can run without extra tools, for example `HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/server", "healthcheck"]`, or write `HEALTHCHECK NONE` when the orchestrator probes the container itself.',
  aliases: ['DL3057', 'CIS-DI-0006'],
  tags: ['reliability', 'operations'],
  check: ({ dockerfile }) => {
    // Limitation: a HEALTHCHECK set by the base image is not known here.
    const image = finalImage(dockerfile);
    if (image === undefined) return [];
    const isSet = image.instructions.some((i) => i.keyword === 'HEALTHCHECK');
    if (isSet) return [];
    return [
      hitOn(
        image.final.fromInstruction,
        'the final image has no HEALTHCHECK; add one, or HEALTHCHECK NONE to say it is left to the orchestrator',
      ),
    ];
  },
};

/** True when an EXPOSE word such as `22`, `22/tcp` or `20-25` covers 22. */
function exposesSsh(word: string): boolean {
  const [ports = '', protocol = 'tcp'] = word.toLowerCase().split('/');
  if (protocol !== 'tcp') return false;
  const [low = '', high = low] = ports.split('-');
  const from = Number(low);
  const to = Number(high);
  return (
    Number.isInteger(from) && Number.isInteger(to) && from <= 22 && to >= 22
  );
}

export const exposeSsh: LintRule = {
  id: 'expose-ssh',
  title: 'SSH port exposed',
  severity: 'medium',
  rationale:
    'Exposing port 22 means the image runs, or expects to run, an SSH server. An SSH daemon in a container is another service to patch and another set of keys and passwords to leak, and it bypasses the audit and access control of the orchestrator. Containers are entered with `docker exec` or `kubectl exec`, which need no daemon.',
  fix: 'Remove `EXPOSE 22` and the SSH server; use `kubectl exec`, `docker exec` or an ephemeral debug container to get a shell.',
  aliases: [],
  tags: ['security', 'network', 'attack-surface'],
  check: ({ dockerfile }) => {
    const image = finalImage(dockerfile);
    if (image === undefined) return [];
    return image.instructions
      .filter((instruction) => instruction.keyword === 'EXPOSE')
      .flatMap((instruction) => {
        const port = instruction.args.find((arg) => exposesSsh(arg.value));
        if (port === undefined) return [];
        return [hitOn(instruction, `'${port.value}' exposes the SSH port 22`)];
      });
  },
};
