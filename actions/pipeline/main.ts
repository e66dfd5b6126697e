// The pipeline behind the root action.yml: every stage that exists, in
// order, with one job summary. Stages join here as they land.
import * as core from '@actions/core';
import {
  FAIL_ON,
  lintGateMessage,
  readBoolean,
  readEnum,
  readList,
  readOptional,
  readRequired,
  runAction,
  runLintStage,
  writeJobSummary,
  type FailOn,
} from '@imagegate/action-kit';

/** The inputs of the root action.yml; defaults live there. */
interface Inputs {
  lint: boolean;
  dockerfiles: string[];
  config: string | undefined;
  failOn: FailOn;
  lintSarifFile: string;
}

function readInputs(): Inputs {
  return {
    lint: readBoolean('lint'),
    dockerfiles: readList('dockerfiles'),
    config: readOptional('config'),
    failOn: readEnum('fail-on', FAIL_ON),
    lintSarifFile: readRequired('lint-sarif-file'),
  };
}

/** What one stage leaves for the pipeline's summary and gate. */
interface StageOutcome {
  summary: string;
  openCount: number;
  failure: string | undefined;
}

async function lintStage(
  inputs: Inputs,
  workspace: string,
): Promise<StageOutcome> {
  const result = await core.group('lint', () =>
    runLintStage({ ...inputs, sarifFile: inputs.lintSarifFile }, workspace),
  );
  core.setOutput('lint-sarif-file', result.sarifPath);
  const failed = result.failing.length > 0;
  return {
    summary: result.summary,
    openCount: result.openCount,
    failure: failed
      ? `lint: ${lintGateMessage(result, inputs.failOn)}`
      : undefined,
  };
}

async function main(): Promise<void> {
  const inputs = readInputs();
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const outcomes: StageOutcome[] = [];
  if (inputs.lint) outcomes.push(await lintStage(inputs, workspace));
  if (outcomes.length === 0) {
    core.warning('every stage is turned off; nothing was checked');
  }
  await writeJobSummary(outcomes.map((o) => o.summary).join('\n'));
  const failures = outcomes.flatMap((o) => (o.failure ? [o.failure] : []));
  core.setOutput(
    'findings-count',
    String(outcomes.reduce((n, o) => n + o.openCount, 0)),
  );
  core.setOutput('passed', String(failures.length === 0));
  if (failures.length > 0) core.setFailed(failures.join('; '));
}

await runAction(main);
