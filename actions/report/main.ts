import * as core from '@actions/core';
import {
  FAIL_ON,
  readBoolean,
  readEnum,
  readList,
  readOptional,
  readRequired,
  readSecret,
  reportGateMessage,
  runAction,
  runReportStage,
  writeJobSummary,
  type ReportStageInputs,
} from '@imagegate/action-kit';

/** The inputs of action.yml; defaults live there. Secrets are masked. */
function readInputs(): ReportStageInputs {
  return {
    githubToken: readSecret('github-token'),
    webhook: readSecret('webhook'),
    webhookSecret: readSecret('webhook-secret'),
    results: readList('results'),
    baseline: readOptional('baseline'),
    uploadSarif: readBoolean('upload-sarif'),
    prComment: readBoolean('pr-comment'),
    reviewComments: readBoolean('review-comments'),
    annotations: readBoolean('annotations'),
    failOnNew: readEnum('fail-on-new', FAIL_ON),
    categoryPrefix: readOptional('category-prefix') ?? '',
    sarifFile: readRequired('sarif-file'),
  };
}

/** Reports everywhere asked, and fails the step on new findings. */
async function main(): Promise<void> {
  const inputs = readInputs();
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const result = await runReportStage(inputs, { workspace, env: process.env });
  await writeJobSummary(result.summary);
  const open = result.findings.filter((f) => f.suppression === undefined);
  core.setOutput('new-count', String(result.view.added.length));
  core.setOutput('fixed-count', String(result.view.fixed.length));
  core.setOutput('findings-count', String(open.length));
  core.setOutput('sarif-id', result.sarifId ?? '');
  core.setOutput('sarif-file', result.sarifPath);
  core.setOutput('passed', String(result.failing.length === 0));
  const failures = [...result.problems];
  if (result.failing.length > 0)
    failures.unshift(reportGateMessage(result, inputs.failOnNew));
  if (failures.length > 0) core.setFailed(failures.join('; '));
}

await runAction(main);
