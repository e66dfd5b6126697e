import { randomUUID } from 'node:crypto';
import { textOf, type OperationSpec } from './github-api-openapi';
import {
  applyCheckRunChanges,
  BOT_LOGIN,
  checkRunProblem,
  commentTooLong,
  decodeSarif,
  diffCounts,
  errorReply,
  reviewProblem,
  sarifProcessingErrors,
  timestamp,
} from './github-api-replies';
import type {
  DoubleReply,
  DoubleRequest,
  GitHubFault,
  Json,
  PullFile,
  SarifProcessing,
  SarifUpload,
  StoredCheckRun,
  StoredComment,
  StoredReview,
} from './github-api-types';

// The fake GitHub behind the double: repositories' comments, reviews,
// check runs and SARIF uploads, and the handlers that change them.

export interface ScriptedFault {
  operation: string;
  fault: GitHubFault;
  remaining: number;
}

export type Handler = (request: DoubleRequest) => DoubleReply;

export /**
 * The state behind the double and the handlers of the operations
 * imagegate uses; every other valid operation answers 501.
 * Limitation: there is no permission model: any request with the right
 * token may do anything, and 403s come only from scripted faults.
 * Limitation: the rate-limit headers are constant (4,999 remaining);
 * exhaustion comes only from a scripted fault.
 * Limitation: SARIF processing checks only what GitHub rejects a whole
 * upload for (runs, results per run, duplicate categories), not the
 * SARIF schema or each result's locations.
 */
class FakeGitHub {
  readonly sarifUploads: SarifUpload[] = [];
  readonly checkRuns: StoredCheckRun[] = [];
  readonly reviews: StoredReview[] = [];
  readonly faults: ScriptedFault[] = [];
  readonly custom = new Map<string, Handler>();
  private readonly commentStore: StoredComment[] = [];
  private readonly pullFiles = new Map<
    string,
    { files: PullFile[]; headSha: string }
  >();
  private processing: SarifProcessing = { pendingPolls: 1 };
  private nextId = 1000;
  apiRoot = '';
  htmlRoot = 'https://github.com';

  private readonly handlers: Record<string, Handler> = {
    'code-scanning/upload-sarif': (r) => this.uploadSarif(r),
    'code-scanning/get-sarif': (r) => this.getSarif(r),
    'issues/list-comments': (r) => this.listComments(r),
    'issues/create-comment': (r) => this.createComment(r),
    'issues/get-comment': (r) =>
      this.withComment(r, (c) => ({ status: 200, body: this.commentJson(c) })),
    'issues/update-comment': (r) => this.updateComment(r),
    'issues/delete-comment': (r) => this.deleteComment(r),
    'pulls/list-files': (r) => this.listPullFiles(r),
    'pulls/create-review': (r) => this.createReview(r),
    'pulls/list-reviews': (r) => this.listReviews(r),
    'checks/create': (r) => this.createCheckRun(r),
    'checks/update': (r) => this.updateCheckRun(r),
    'checks/get': (r) =>
      this.withCheckRun(r, (run) => ({
        status: 200,
        body: this.checkRunJson(run),
      })),
  };

  setProcessing(processing: SarifProcessing): void {
    this.processing = processing;
  }

  /** The scripted fault for this operation, consumed. */
  takeFault(operation: OperationSpec): GitHubFault | undefined {
    const names = [
      operation.id,
      `${operation.method} ${operation.template}`,
      '*',
    ];
    const scripted = this.faults.find(
      (f) => f.remaining > 0 && names.includes(f.operation),
    );
    if (scripted === undefined) return undefined;
    scripted.remaining -= 1;
    return scripted.fault;
  }

  /** The handler's answer, or undefined when there is none. */
  answer(request: DoubleRequest): DoubleReply | undefined {
    const handler =
      this.custom.get(request.operationId) ??
      this.handlers[request.operationId];
    return handler?.(request);
  }

  seedComment(
    repository: string,
    issue: number,
    body: string,
    user: string,
  ): StoredComment {
    const now = timestamp();
    const comment = {
      id: this.id(),
      repository,
      issue,
      body,
      user,
      createdAt: now,
      updatedAt: now,
    };
    this.commentStore.push(comment);
    return comment;
  }

  comments(repository: string, issue: number): StoredComment[] {
    return this.commentStore.filter(
      (c) => c.repository === repository && c.issue === issue,
    );
  }

  setPullFiles(
    repository: string,
    pull: number,
    files: PullFile[],
    headSha: string,
  ): void {
    this.pullFiles.set(`${repository}#${pull}`, { files, headSha });
  }

  private id(): number {
    this.nextId += 1;
    return this.nextId;
  }

  private api(path: string): string {
    return `${this.apiRoot}${path}`;
  }

  // -- code scanning --------------------------------------------------------

  private uploadSarif(request: DoubleRequest): DoubleReply {
    const body = request.body as Json;
    const decoded = decodeSarif(String(body.sarif));
    if ('error' in decoded) return errorReply(decoded.status, decoded.error);
    const upload: SarifUpload = {
      id: randomUUID(),
      repository: request.repository,
      commitSha: String(body.commit_sha),
      ref: String(body.ref),
      sarif: decoded.sarif,
      gzipBytes: decoded.gzipBytes,
      checkoutUri:
        typeof body.checkout_uri === 'string' ? body.checkout_uri : undefined,
      toolName: typeof body.tool_name === 'string' ? body.tool_name : undefined,
      polls: 0,
      pendingPolls: this.processing.pendingPolls,
      errors: [
        ...sarifProcessingErrors(decoded.sarif),
        ...(this.processing.errors ?? []),
      ],
    };
    this.sarifUploads.push(upload);
    const url = this.api(
      `/repos/${request.repository}/code-scanning/sarifs/${upload.id}`,
    );
    return { status: 202, body: { id: upload.id, url } };
  }

  private getSarif(request: DoubleRequest): DoubleReply {
    const upload = this.sarifUploads.find(
      (u) =>
        u.id === request.params.sarif_id && u.repository === request.repository,
    );
    if (upload === undefined) return errorReply(404, 'Not Found');
    upload.polls += 1;
    if (upload.polls <= upload.pendingPolls)
      return {
        status: 200,
        body: {
          processing_status: 'pending',
          analyses_url: null,
          errors: null,
        },
      };
    if (upload.errors.length > 0)
      return {
        status: 200,
        body: {
          processing_status: 'failed',
          analyses_url: null,
          errors: upload.errors,
        },
      };
    const analyses = this.api(
      `/repos/${request.repository}/code-scanning/analyses?sarif_id=${upload.id}`,
    );
    return {
      status: 200,
      body: {
        processing_status: 'complete',
        analyses_url: analyses,
        errors: [],
      },
    };
  }

  // -- issue comments -------------------------------------------------------

  private listComments(request: DoubleRequest): DoubleReply {
    const issue = Number(request.params.issue_number);
    const all = this.comments(request.repository, issue).map((c) =>
      this.commentJson(c),
    );
    const path = `/repos/${request.repository}/issues/${issue}/comments`;
    return this.page(all, request.query, path);
  }

  private createComment(request: DoubleRequest): DoubleReply {
    const body = String((request.body as Json).body);
    const tooLong = commentTooLong(body);
    if (tooLong !== undefined) return tooLong;
    const issue = Number(request.params.issue_number);
    const comment = this.seedComment(
      request.repository,
      issue,
      body,
      BOT_LOGIN,
    );
    return {
      status: 201,
      body: this.commentJson(comment),
      headers: { location: this.commentUrl(comment) },
    };
  }

  private updateComment(request: DoubleRequest): DoubleReply {
    const body = String((request.body as Json).body);
    const tooLong = commentTooLong(body);
    if (tooLong !== undefined) return tooLong;
    return this.withComment(request, (comment) => {
      comment.body = body;
      comment.updatedAt = timestamp();
      return { status: 200, body: this.commentJson(comment) };
    });
  }

  private deleteComment(request: DoubleRequest): DoubleReply {
    return this.withComment(request, (comment) => {
      this.commentStore.splice(this.commentStore.indexOf(comment), 1);
      return { status: 204 };
    });
  }

  private withComment(
    request: DoubleRequest,
    act: (comment: StoredComment) => DoubleReply,
  ): DoubleReply {
    const id = Number(request.params.comment_id);
    const comment = this.commentStore.find(
      (c) => c.id === id && c.repository === request.repository,
    );
    return comment === undefined ? errorReply(404, 'Not Found') : act(comment);
  }

  private commentUrl(comment: StoredComment): string {
    return this.api(
      `/repos/${comment.repository}/issues/comments/${comment.id}`,
    );
  }

  private commentJson(comment: StoredComment): Json {
    const html = `${this.htmlRoot}/${comment.repository}/pull/${comment.issue}`;
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: this.commentUrl(comment),
      html_url: `${html}#issuecomment-${comment.id}`,
      issue_url: this.api(
        `/repos/${comment.repository}/issues/${comment.issue}`,
      ),
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: comment.user === BOT_LOGIN ? 'NONE' : 'MEMBER',
    };
  }

  // -- pull requests --------------------------------------------------------

  private listPullFiles(request: DoubleRequest): DoubleReply {
    const pull = Number(request.params.pull_number);
    const entry = this.pullFiles.get(`${request.repository}#${pull}`);
    const files = (entry?.files ?? []).map((file) =>
      this.diffEntry(request.repository, file, entry?.headSha ?? ''),
    );
    return this.page(
      files,
      request.query,
      `/repos/${request.repository}/pulls/${pull}/files`,
    );
  }

  private diffEntry(repository: string, file: PullFile, headSha: string): Json {
    const { additions, deletions } = diffCounts(file.patch);
    const entry: Json = {
      sha: 'a'.repeat(40),
      filename: file.filename,
      status: file.status ?? 'modified',
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${this.htmlRoot}/${repository}/blob/${headSha}/${file.filename}`,
      raw_url: `${this.htmlRoot}/${repository}/raw/${headSha}/${file.filename}`,
      contents_url: this.api(
        `/repos/${repository}/contents/${file.filename}?ref=${headSha}`,
      ),
    };
    if (file.patch !== undefined) entry.patch = file.patch;
    if (file.previousFilename !== undefined)
      entry.previous_filename = file.previousFilename;
    return entry;
  }

  private createReview(request: DoubleRequest): DoubleReply {
    const body = (request.body ?? {}) as Json;
    const pull = Number(request.params.pull_number);
    const entry = this.pullFiles.get(`${request.repository}#${pull}`);
    const comments = Array.isArray(body.comments)
      ? (body.comments as Json[])
      : [];
    const problem = reviewProblem(
      comments,
      entry?.files ?? [],
      textOf(body.body),
    );
    if (problem !== undefined) return problem;
    const review: StoredReview = {
      id: this.id(),
      repository: request.repository,
      pull,
      commitId:
        typeof body.commit_id === 'string'
          ? body.commit_id
          : (entry?.headSha ?? 'f'.repeat(40)),
      body: textOf(body.body),
      event: typeof body.event === 'string' ? body.event : undefined,
      comments,
    };
    this.reviews.push(review);
    return { status: 200, body: this.reviewJson(review) };
  }

  private listReviews(request: DoubleRequest): DoubleReply {
    const pull = Number(request.params.pull_number);
    const reviews = this.reviews
      .filter((r) => r.repository === request.repository && r.pull === pull)
      .map((r) => this.reviewJson(r));
    return this.page(
      reviews,
      request.query,
      `/repos/${request.repository}/pulls/${pull}/reviews`,
    );
  }

  private reviewJson(review: StoredReview): Json {
    const states: Record<string, string> = {
      APPROVE: 'APPROVED',
      REQUEST_CHANGES: 'CHANGES_REQUESTED',
      COMMENT: 'COMMENTED',
    };
    const html = `${this.htmlRoot}/${review.repository}/pull/${review.pull}#pullrequestreview-${review.id}`;
    const pullUrl = this.api(
      `/repos/${review.repository}/pulls/${review.pull}`,
    );
    return {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: this.user(BOT_LOGIN),
      body: review.body,
      state: states[review.event ?? ''] ?? 'PENDING',
      html_url: html,
      pull_request_url: pullUrl,
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      submitted_at: timestamp(),
      commit_id: review.commitId,
      author_association: 'NONE',
    };
  }

  // -- check runs -----------------------------------------------------------

  private createCheckRun(request: DoubleRequest): DoubleReply {
    const body = request.body as Json;
    const problem = checkRunProblem(body);
    if (problem !== undefined) return problem;
    const now = timestamp();
    const run: StoredCheckRun = {
      id: this.id(),
      repository: request.repository,
      name: String(body.name),
      headSha: String(body.head_sha),
      status: 'queued',
      conclusion: null,
      startedAt: typeof body.started_at === 'string' ? body.started_at : now,
      completedAt: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      updates: 0,
    };
    applyCheckRunChanges(run, body);
    this.checkRuns.push(run);
    return { status: 201, body: this.checkRunJson(run) };
  }

  private updateCheckRun(request: DoubleRequest): DoubleReply {
    const body = request.body as Json;
    const problem = checkRunProblem(body);
    if (problem !== undefined) return problem;
    return this.withCheckRun(request, (run) => {
      run.updates += 1;
      applyCheckRunChanges(run, body);
      return { status: 200, body: this.checkRunJson(run) };
    });
  }

  private withCheckRun(
    request: DoubleRequest,
    act: (run: StoredCheckRun) => DoubleReply,
  ): DoubleReply {
    const id = Number(request.params.check_run_id);
    const run = this.checkRuns.find(
      (r) => r.id === id && r.repository === request.repository,
    );
    return run === undefined ? errorReply(404, 'Not Found') : act(run);
  }

  private checkRunJson(run: StoredCheckRun): Json {
    const url = this.api(`/repos/${run.repository}/check-runs/${run.id}`);
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.headSha,
      external_id: '',
      url,
      html_url: `${this.htmlRoot}/${run.repository}/runs/${run.id}`,
      details_url: null,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        ...run.output,
        annotations_count: run.annotations.length,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: 1 },
      app: null,
      pull_requests: [],
    };
  }

  // -- shared ---------------------------------------------------------------

  /** A page of `items` as GitHub paginates, with its Link header. */
  private page(
    items: Json[],
    query: Record<string, string>,
    path: string,
  ): DoubleReply {
    const perPage = Math.min(
      Math.max(Number(query.per_page ?? 30) || 30, 1),
      100,
    );
    const page = Math.max(Number(query.page ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const body = items.slice((page - 1) * perPage, page * perPage);
    const link = (n: number, rel: string): string =>
      `<${this.api(path)}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    return {
      status: 200,
      body,
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  }

  private user(login: string): Json {
    const isBot = login.endsWith('[bot]');
    const id = isBot ? 41898282 : 1;
    const url = this.api(`/users/${encodeURIComponent(login)}`);
    return {
      login,
      id,
      node_id: `U_${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
      gravatar_id: '',
      url,
      html_url: isBot
        ? `${this.htmlRoot}/apps/${login.replace(/\[bot\]$/, '')}`
        : `${this.htmlRoot}/${login}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: isBot ? 'Bot' : 'User',
      site_admin: false,
    };
  }
}
