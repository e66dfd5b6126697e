import type { LintRule } from '../rule';
import { APK_RULES } from './pm-apk';
import { APT_RULES } from './pm-apt';
import { GEM_RULES } from './pm-gem';
import { GO_RULES } from './pm-go';
import { NODE_RULES } from './pm-node';
import { PIP_RULES } from './pm-pip';
import { RPM_RULES } from './pm-rpm';
import { noUpdateAlone } from './pm-update';
import { ZYPPER_RULES } from './pm-zypper';

/** Package manager hygiene: pinning, caches, non-interactive installs. */
export const PACKAGE_MANAGER_RULES: LintRule[] = [
  ...APT_RULES,
  ...APK_RULES,
  ...RPM_RULES,
  ...ZYPPER_RULES,
  ...PIP_RULES,
  ...NODE_RULES,
  ...GEM_RULES,
  ...GO_RULES,
  noUpdateAlone,
];
