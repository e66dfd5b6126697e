import type { LintRule } from '../rule';
import {
  allowedBaseImage,
  baseImageDigest,
  minimalBaseImage,
} from './sec-base-image';
import {
  addUrlWithoutChecksum,
  curlPipeShell,
  workdirProcFd,
} from './sec-build';
import {
  debugToolsInFinalStage,
  multiStageBuild,
  sudoInstalled,
} from './sec-content';
import { chmod777 } from './sec-permissions';
import { exposeSsh, healthcheckMissing, userRequired } from './sec-runtime';
import { copySecretFile, secretInEnvOrArg } from './sec-secrets';
import { ignoreWithoutReason } from './sec-suppressions';

/** Image security rules: users, secrets, tools, base images. */
export const SECURITY_RULES: LintRule[] = [
  baseImageDigest,
  allowedBaseImage,
  minimalBaseImage,
  multiStageBuild,
  userRequired,
  debugToolsInFinalStage,
  sudoInstalled,
  secretInEnvOrArg,
  copySecretFile,
  addUrlWithoutChecksum,
  curlPipeShell,
  chmod777,
  exposeSsh,
  workdirProcFd,
  healthcheckMissing,
  ignoreWithoutReason,
];
