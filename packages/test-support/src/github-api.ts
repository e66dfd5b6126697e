import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGitHub } from './github-api-fake';
import {
  ajvErrors,
  GitHubDescription,
  validateRequest,
  type OperationSpec,
  type ParsedRequest,
  type Validated,
} from './github-api-openapi';
import { errorReply, faultReply, gitHubLimit } from './github-api-replies';
import type {
  DoubleReply,
  DoubleRequest,
  GitHubApi,
  GitHubApiOptions,
  RecordedCall,
} from './github-api-types';

export { loadGitHubDescription } from './github-api-openapi';
export type * from './github-api-types';

/**
 * Starts a GitHub REST API double on 127.0.0.1. Every request is checked
 * against GitHub's OpenAPI description (operation, path and query
 * parameters, JSON body) and recorded; one that breaks it is answered 400
 * and listed by `invalidCalls()`. The operations imagegate uses answer as
 * GitHub does, any other valid one 501 (which `assertAllValid()` also
 * reports); faults are scripted with `fault()`. The description is
 * loaded once per process (about 0.3 s and 40 MB).
 *
 * Limitation: header parameters, non-JSON bodies (`/markdown/raw`,
 * release assets) and response headers other than Link and rate limits
 * are not checked; a `{path}` parameter holding slashes does not match.
 * Limitation: error wordings are GitHub's where they are documented or
 * widely quoted; the SARIF decoding, review and check-run 422 wordings
 * are the double's own.
 */
export async function startGitHubApi(
  options: GitHubApiOptions = {},
): Promise<GitHubApi> {
  const description = GitHubDescription.get(
    options.description ?? 'api.github.com',
  );
  const state = new DoubleState(description, options);
  const server = createServer((req, res) => {
    void state.serve(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  state.setOrigin(`http://127.0.0.1:${port}`);
  return state.api(server);
}

class DoubleState {
  readonly calls: RecordedCall[] = [];
  readonly fake = new FakeGitHub();
  readonly token: string;
  private readonly basePath: string;
  private inFlight = 0;
  private maxInFlight = 0;
  private origin = '';

  constructor(
    private readonly description: GitHubDescription,
    private readonly options: GitHubApiOptions,
  ) {
    this.token = options.token ?? 'ghs_imagegateDoubleToken0000000000000';
    this.basePath = (options.basePath ?? '').replace(/\/+$/, '');
  }

  setOrigin(origin: string): void {
    this.origin = origin;
    this.fake.apiRoot = `${origin}${this.basePath}`;
    if (this.basePath !== '') this.fake.htmlRoot = origin;
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const isMutation = req.method !== 'GET' && req.method !== 'HEAD';
    if (isMutation) this.enter();
    try {
      const raw = await readBody(
        req,
        this.options.maxBodyBytes ?? 64 * 1024 * 1024,
      );
      const reply = this.handle(req, raw);
      if ((this.options.latencyMs ?? 0) > 0)
        await sleep(this.options.latencyMs ?? 0);
      this.send(res, reply);
    } catch (error) {
      this.send(res, this.rejectBody(req, error));
    } finally {
      if (isMutation) this.inFlight -= 1;
    }
  }

  api(server: Server): GitHubApi {
    const fake = this.fake;
    return {
      url: `${this.origin}${this.basePath}`,
      token: this.token,
      startup: this.description.load,
      calls: this.calls,
      sarifUploads: fake.sarifUploads,
      checkRuns: fake.checkRuns,
      reviews: fake.reviews,
      maxMutationsInFlight: () => this.maxInFlight,
      invalidCalls: () => this.calls.filter((c) => !c.valid),
      assertAllValid: () => {
        assertAllValid(this.calls);
      },
      fault: (operation, fault, times = 1) => {
        fake.faults.push({ operation, fault, remaining: times });
      },
      handle: (operationId, handler) => {
        fake.custom.set(operationId, handler);
      },
      setSarifProcessing: (processing) => {
        fake.setProcessing(processing);
      },
      seedComment: (repository, issue, body, user = 'octocat') =>
        fake.seedComment(repository, issue, body, user),
      comments: (repository, issue) => fake.comments(repository, issue),
      setPullFiles: (repository, pull, files, headSha = 'f'.repeat(40)) => {
        fake.setPullFiles(repository, pull, files, headSha);
      },
      close: () => closeServer(server),
    };
  }

  private enter(): void {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  /** A body over the limit: answered 413 and recorded as invalid. */
  private rejectBody(req: IncomingMessage, error: unknown): DoubleReply {
    const request = this.parse(req, Buffer.alloc(0));
    const message = `request body rejected: ${String(error)}`;
    const call = this.record(request, {
      operation: undefined,
      params: {},
      body: undefined,
      errors: [message],
      unparseable: false,
    });
    call.status = 413;
    return errorReply(413, message);
  }

  private handle(req: IncomingMessage, raw: Buffer): DoubleReply {
    const request = this.parse(req, raw);
    const validated = validateRequest(this.description, request);
    const call = this.record(request, validated);
    const reply = this.reply(request, validated, call);
    call.status = reply.status;
    call.responseErrors = this.checkResponse(validated.operation, reply);
    return reply;
  }

  private parse(req: IncomingMessage, raw: Buffer): ParsedRequest {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.startsWith(this.basePath)
      ? url.pathname.slice(this.basePath.length) || '/'
      : url.pathname;
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    return {
      method: req.method ?? 'GET',
      path,
      query,
      headers: headersOf(req),
      raw,
    };
  }

  private record(request: ParsedRequest, validated: Validated): RecordedCall {
    const call: RecordedCall = {
      seq: this.calls.length + 1,
      method: request.method,
      path: request.path,
      route: validated.operation?.template,
      operationId: validated.operation?.id,
      query: request.query,
      headers: redactHeaders(request.headers),
      body: validated.body,
      valid: validated.errors.length === 0,
      errors: validated.errors,
      status: 0,
      responseErrors: [],
      fault: undefined,
      implemented: true,
    };
    this.calls.push(call);
    return call;
  }

  private reply(
    request: ParsedRequest,
    validated: Validated,
    call: RecordedCall,
  ): DoubleReply {
    const auth = this.authProblem(request.headers);
    if (auth !== undefined) return auth;
    const operation = validated.operation;
    if (validated.unparseable) return errorReply(400, 'Problems parsing JSON');
    if (operation === undefined) return this.invalid(validated.errors);
    const limit = gitHubLimit(operation, validated.body);
    if (limit !== undefined) return limit;
    if (validated.errors.length > 0) return this.invalid(validated.errors);
    const repository = `${validated.params.owner ?? ''}/${validated.params.repo ?? ''}`;
    if (!this.knows(repository)) return errorReply(404, 'Not Found');
    return this.run(
      operation,
      {
        operationId: operation.id,
        repository,
        params: validated.params,
        query: request.query,
        body: validated.body,
      },
      call,
    );
  }

  private run(
    operation: OperationSpec,
    request: DoubleRequest,
    call: RecordedCall,
  ): DoubleReply {
    const fault = this.fake.takeFault(operation);
    if (fault !== undefined) {
      call.fault = fault.kind;
      if (fault.kind === 'server-error-after-success')
        this.fake.answer(request);
      return faultReply(fault);
    }
    const reply = this.fake.answer(request);
    if (reply !== undefined) return reply;
    call.implemented = false;
    return errorReply(
      501,
      `the GitHub API double does not implement ${operation.id}`,
    );
  }

  private authProblem(
    headers: Record<string, string>,
  ): DoubleReply | undefined {
    const authorization = headers.authorization;
    if (authorization === undefined)
      return errorReply(401, 'Requires authentication');
    const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
    if (!/^(token|bearer)$/i.test(scheme) || value !== this.token)
      return errorReply(401, 'Bad credentials');
    if ((headers['user-agent'] ?? '') === '')
      return errorReply(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
      );
    return undefined;
  }

  private knows(repository: string): boolean {
    const known = this.options.repositories;
    return (
      known === undefined || repository === '/' || known.includes(repository)
    );
  }

  private invalid(errors: string[]): DoubleReply {
    return errorReply(
      400,
      "imagegate's GitHub API double: the request breaks GitHub's OpenAPI description",
      { errors },
    );
  }

  private checkResponse(
    operation: OperationSpec | undefined,
    reply: DoubleReply,
  ): string[] {
    if (operation === undefined || reply.status === 400 || reply.status === 501)
      return [];
    const pointer = this.description.responseSchema(operation, reply.status);
    if (pointer === undefined) return [];
    const validate = this.description.validator(pointer);
    return validate(reply.body) ? [] : ajvErrors('response', validate.errors);
  }

  private send(res: ServerResponse, reply: DoubleReply): void {
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID(),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...reply.headers,
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    headers['content-type'] = 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
  }
}

function assertAllValid(calls: readonly RecordedCall[]): void {
  const bad = calls.filter(
    (c) => !c.valid || c.responseErrors.length > 0 || !c.implemented,
  );
  if (bad.length === 0) return;
  const lines = bad.map((c) => {
    const problems = [...c.errors, ...c.responseErrors];
    if (!c.implemented) problems.push('not implemented by the double');
    return `#${c.seq} ${c.method} ${c.path}: ${problems.join('; ')}`;
  });
  throw new Error(
    `GitHub API double: ${bad.length} bad call(s)\n${lines.join('\n')}`,
  );
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined)
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

const SECRET_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

function redactHeaders(
  headers: Record<string, string>,
): Record<string, string> {
  const result = { ...headers };
  for (const name of SECRET_HEADERS) {
    const value = result[name];
    if (value !== undefined)
      result[name] = `${value.split(/\s+/)[0] ?? ''} [REDACTED]`;
  }
  return result;
}

/** The body, or a rejection once it passes `limit` (read to the end). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit)
        reject(new Error(`body of ${size} bytes over ${limit}`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
