import * as core from '@actions/core';
import {
  FAIL_ON,
  lintGateMessage,
  readEnum,
  readList,
  readOptional,
  readRequired,
  runAction,
  runLintStage,
  writeJobSummary,
  type LintStageInputs,
} from '@imagegate/action-kit';

/** The inputs of action.yml; defaults live there. */
function readInputs(): LintStageInputs {
  return {
    dockerfiles: readList('dockerfiles'),
    config: readOptional('config'),
    failOn: readEnum('fail-on', FAIL_ON),
    sarifFile: readRequired('sarif-file'),
  };
}

/** Lints, reports in every form, and fails the step at the gate. */
async function main(): Promise<void> {
  const inputs = readInputs();
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const result = await runLintStage(inputs, workspace);
  await writeJobSummary(result.summary);
  core.setOutput('sarif-file', result.sarifPath);
  core.setOutput('findings-count', String(result.openCount));
  core.setOutput('passed', String(result.failing.length === 0));
  if (result.failing.length > 0) {
    core.setFailed(lintGateMessage(result, inputs.failOn));
  }
}

await runAction(main);
