import type { Dockerfile } from '../model';
import { hitOn, type LintRule, type RuleHit } from '../rule';
import { toolchainOfImage } from './sec-images';
import { installedPackages, packagesByInstruction } from './sec-packages';
import { finalImage } from './sec-stages';

/** Compilers and build tools, as the common package managers name them. */
const TOOLCHAIN_PACKAGES = new Set([
  'gcc',
  'g++',
  'gcc-c++',
  'clang',
  'llvm',
  'make',
  'cmake',
  'ninja-build',
  'autoconf',
  'automake',
  'libtool',
  'build-essential',
  'build-base',
  'musl-dev',
  'golang',
  'golang-go',
  'go',
  'rust',
  'rustc',
  'cargo',
  'maven',
  'gradle',
  'ant',
  'default-jdk',
  'default-jdk-headless',
  '@development tools',
  '@development-tools',
  '@c-development',
]);

/** Versioned toolchain names: `gcc-12`, `openjdk-17-jdk`, `openjdk21-jdk`. */
const TOOLCHAIN_NAME_PATTERNS = [
  /^(gcc|g\+\+|clang|llvm)-\d+$/,
  /^openjdk-?\d+-jdk(-headless)?$/,
  /^java-[\d.]+-openjdk-devel$/,
  /^temurin-\d+-jdk$/,
];

function isToolchainPackage(name: string): boolean {
  return (
    TOOLCHAIN_PACKAGES.has(name) ||
    TOOLCHAIN_NAME_PATTERNS.some((pattern) => pattern.test(name))
  );
}

/** Network, debugging and editing tools an attacker is glad to find. */
const DEBUG_TOOLS = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'nmap',
  'nmap-ncat',
  'socat',
  'tcpdump',
  'gdb',
  'strace',
  'ltrace',
  'ssh',
  'dropbear',
  'telnet',
  'telnetd',
  'inetutils-telnet',
  'vi',
  'nano',
  'emacs',
  'net-tools',
  'busybox-extras',
]);

/** Package families: `netcat-openbsd`, `openssh-server`, `vim-tiny`. */
const DEBUG_TOOL_PREFIXES = ['netcat', 'openssh', 'vim'];

function isDebugTool(name: string): boolean {
  return (
    DEBUG_TOOLS.has(name) ||
    DEBUG_TOOL_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}

function isSudo(name: string): boolean {
  return name === 'sudo' || name === 'doas';
}

/** One hit per instruction of the final image installing picked packages. */
function installHits(
  dockerfile: Dockerfile,
  isPicked: (name: string) => boolean,
  describe: (names: string) => string,
): RuleHit[] {
  const image = finalImage(dockerfile);
  if (image === undefined) return [];
  const picked = packagesByInstruction(
    installedPackages(image.instructions),
    isPicked,
  );
  return [...picked].map(([instruction, names]) =>
    hitOn(instruction, describe(names.map((name) => `'${name}'`).join(', '))),
  );
}

export const multiStageBuild: LintRule = {
  id: 'multi-stage-build',
  title: 'Build toolchain in the final image',
  severity: 'medium',
  rationale:
    'Compilers, linkers and build tools are needed to make the application, not to run it. Left in the final image they add hundreds of packages to patch, make the image many times larger, and hand anyone who breaks in a ready way to build exploits inside the container.',
  fix: 'Use a multi-stage build: compile in a stage such as `FROM golang:1.23 AS build`, then `COPY --from=build` only the artefacts into a minimal final stage (`FROM gcr.io/distroless/static-debian12`). If the tools are needed for a native module, install and remove them in the same RUN.',
  aliases: [],
  tags: ['security', 'attack-surface', 'size'],
  check: ({ dockerfile }) => [
    ...toolchainBaseHits(dockerfile),
    ...installHits(
      dockerfile,
      isToolchainPackage,
      (names) =>
        `installs build tools (${names}) into the final image; build in an earlier stage and copy only the result`,
    ),
  ],
};

function toolchainBaseHits(dockerfile: Dockerfile): RuleHit[] {
  const image = finalImage(dockerfile);
  if (image === undefined) return [];
  const { from, fromInstruction } = image.root;
  if (from.isScratch || from.isStage) return [];
  const toolchain = toolchainOfImage(from);
  if (toolchain === undefined) return [];
  return [
    hitOn(
      fromInstruction,
      `the final image is built on '${from.resolved}', which carries ${toolchain}; build in a stage of its own and copy the result into a minimal image`,
    ),
  ];
}

export const debugToolsInFinalStage: LintRule = {
  id: 'debug-tools-in-final-stage',
  title: 'Network or debugging tools in the final image',
  severity: 'low',
  rationale:
    'Tools such as curl, wget, netcat, socat, tcpdump, gdb and editors are what an intruder reaches for first: to download a second stage, open a reverse shell, sniff traffic or attach to a process. An application rarely needs them at run time, and keeping them out of the image makes an intrusion much harder to widen.',
  fix: 'Install the tools only in build stages, or remove them in the same RUN that used them. For health checks, use a tiny static probe or the application itself instead of curl; for debugging, attach an ephemeral debug container (`kubectl debug`) rather than baking tools in.',
  aliases: [],
  tags: ['security', 'attack-surface'],
  check: ({ dockerfile }) =>
    installHits(
      dockerfile,
      isDebugTool,
      (names) =>
        `installs network or debugging tools (${names}) into the final image`,
    ),
};

export const sudoInstalled: LintRule = {
  id: 'sudo-installed',
  title: 'sudo installed in the final image',
  severity: 'medium',
  rationale:
    'sudo exists to let one user become another. In a container it either does nothing useful or, when configured, gives a process that should have dropped root a way straight back to it. It also brings odd TTY and signal handling that breaks clean container shutdown.',
  fix: 'Do the privileged work in RUN steps before the `USER` instruction, and do not install sudo or doas. Where something must run as another user at start-up, use `gosu` or `su-exec` in the entrypoint.',
  aliases: [],
  tags: ['security', 'privilege'],
  check: ({ dockerfile }) =>
    installHits(
      dockerfile,
      isSudo,
      (names) => `installs ${names} into the final image`,
    ),
};
