import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { RecordingLogger } from '@imagegate/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  plainText,
  sendWebhook,
  verifyWebhookSignature,
  webhookPayload,
  type WebhookRequest,
} from '../src/index';
import { gitHubFailure } from './api-context';
import { finding, findingAt } from './fixtures';

const SECRET = `whsec-CANARY-${randomBytes(12).toString('hex')}`;
const PATH_TOKEN = `T0KEN${randomBytes(8).toString('hex')}`;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A webhook receiver on loopback that answers from a script. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  /** Statuses to answer, in order; 200 once they run out. */
  answers: number[] = [];
  delayMs = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.deliveries.push({
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        const status = this.answers.shift() ?? 200;
        setTimeout(() => {
          const headers =
            status === 302 ? { location: 'http://example.com/' } : {};
          res.writeHead(status, headers).end('{}');
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) =>
      this.server?.listen(0, '127.0.0.1', resolve),
    );
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/hooks/${PATH_TOKEN}?key=${PATH_TOKEN}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server?.close(() => {
        resolve();
      });
    });
  }
}

let receiver: Receiver;
let logger: RecordingLogger;

function request(overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    url: receiver.url,
    secret: SECRET,
    payload: { hello: 'world', n: 1 },
    timeoutMs: 2000,
    retries: 3,
    backoffMs: 1,
    logger,
    ...overrides,
  };
}

function expectNoSecrets(...sinks: unknown[]): void {
  for (const sink of [logger.text(), ...sinks]) {
    const text = typeof sink === 'string' ? sink : inspect(sink, { depth: 10 });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(PATH_TOKEN);
  }
}

beforeEach(async () => {
  receiver = new Receiver();
  await receiver.start();
  logger = new RecordingLogger();
});

afterEach(async () => {
  await receiver.stop();
});

describe('sendWebhook', () => {
  it('posts the JSON with a signature the receiver can verify', async () => {
    const result = await sendWebhook(request());

    const [delivery] = receiver.deliveries;
    const body = delivery?.body ?? Buffer.alloc(0);
    const signature = delivery?.headers['x-imagegate-signature-256'];
    expect(JSON.parse(body.toString('utf8'))).toEqual({ hello: 'world', n: 1 });
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(body, SECRET, signature as string)).toBe(
      true,
    );
    expect(verifyWebhookSignature(body, 'other', signature as string)).toBe(
      false,
    );
    expect(
      verifyWebhookSignature(
        Buffer.concat([body, Buffer.from(' ')]),
        SECRET,
        signature as string,
      ),
    ).toBe(false);
    expect(result).toEqual({
      status: 200,
      attempts: 1,
      deliveryId: delivery?.headers['x-imagegate-delivery'],
    });
    expectNoSecrets(
      body.toString('utf8'),
      JSON.stringify(delivery?.headers),
      result,
    );
  });

  it('sends no signature without a secret', async () => {
    await sendWebhook({ ...request(), secret: '' });

    expect(
      receiver.deliveries[0]?.headers['x-imagegate-signature-256'],
    ).toBeUndefined();
  });

  it('retries 5xx answers with the same delivery id, then succeeds', async () => {
    receiver.answers = [500, 503];

    const result = await sendWebhook(request());

    const ids = receiver.deliveries.map(
      (d) => d.headers['x-imagegate-delivery'],
    );
    expect(result.attempts).toBe(3);
    expect(new Set(ids).size).toBe(1);
    expect(
      logger.lines.filter((l) => l.level === 'warning').map((l) => l.message),
    ).toEqual([
      expect.stringMatching(
        /^webhook http:\/\/127\.0\.0\.1:\d+: attempt 1 of 4 failed \(500\); retrying in \d+ ms$/,
      ) as string,
      expect.stringMatching(/attempt 2 of 4 failed \(503\)/) as string,
    ]);
    expectNoSecrets();
  });

  it('gives up after retries + 1 attempts', async () => {
    receiver.answers = [502, 502, 502];

    const error = await gitHubFailure(sendWebhook(request({ retries: 2 })));

    expect(receiver.deliveries).toHaveLength(3);
    expect(error).toMatchObject({ code: 'webhook', status: 502 });
    expect(error.message).toMatch(
      /^webhook http:\/\/127\.0\.0\.1:\d+ failed after 3 attempts \(last: 502\)$/,
    );
    expectNoSecrets(error);
  });

  it.each([400, 401, 404, 422])('does not retry a %i', async (status) => {
    receiver.answers = [status];

    const error = await gitHubFailure(sendWebhook(request()));

    expect(receiver.deliveries).toHaveLength(1);
    expect(error.message).toContain(`refused the report (${status})`);
    expectNoSecrets(error);
  });

  it('does not follow a redirect', async () => {
    receiver.answers = [302];

    const error = await gitHubFailure(sendWebhook(request()));

    expect(receiver.deliveries).toHaveLength(1);
    expect(error.message).toContain('answered a redirect (302)');
  });

  it('times out each attempt and retries', async () => {
    receiver.delayMs = 300;

    const error = await gitHubFailure(
      sendWebhook(request({ timeoutMs: 40, retries: 1 })),
    );

    expect(receiver.deliveries).toHaveLength(2);
    expect(error.message).toMatch(
      /failed after 2 attempts \(last: no answer within 40 ms\)$/,
    );
    expectNoSecrets(error);
  });

  it('retries network errors', async () => {
    const url = receiver.url;
    await receiver.stop();

    const error = await gitHubFailure(
      sendWebhook(request({ url, retries: 1 })),
    );

    expect(error.message).toMatch(
      /failed after 2 attempts \(last: ECONNREFUSED\)$/,
    );
    expect(logger.text()).toContain('attempt 1 of 2 failed (ECONNREFUSED)');
    expectNoSecrets(error);
  });

  it.each([
    [
      'plain http to another host',
      `http://hooks.example.com/${PATH_TOKEN}`,
      /must use https/,
    ],
    [
      'credentials in the URL',
      `https://user:${PATH_TOKEN}@hooks.example.com/`,
      /holds credentials/,
    ],
    ['a URL that is not one', `::${PATH_TOKEN}`, /not a valid URL/],
  ])('refuses %s without echoing it', async (_, url, message) => {
    const error = await gitHubFailure(sendWebhook(request({ url })));

    expect(error.code).toBe('bad-input');
    expect(error.message).toMatch(message);
    expectNoSecrets(error);
  });

  it('refuses a payload that contains the secret', async () => {
    const error = await gitHubFailure(
      sendWebhook(request({ payload: { leaked: SECRET } })),
    );

    expect(error.code).toBe('bad-input');
    expect(receiver.deliveries).toEqual([]);
    expectNoSecrets(error);
  });
});

describe('webhookPayload', () => {
  it('counts by severity and lists the most severe findings', () => {
    const findings = [
      findingAt(1, 'low'),
      findingAt(2, 'critical'),
      findingAt(3, 'high'),
      finding({
        suppression: { kind: 'config', justification: '' },
        fingerprint: 's',
      }),
    ];

    const payload = webhookPayload(findings, {
      threshold: 'high',
      image: 'registry.example.com/app:1',
      maxFindings: 2,
    });

    expect(payload).toMatchObject({
      schema: 'imagegate.report/v1',
      passed: false,
      threshold: 'high',
      counts: {
        critical: 1,
        high: 1,
        medium: 0,
        low: 1,
        total: 3,
        failing: 2,
        suppressed: 1,
      },
      subject: { image: 'registry.example.com/app:1' },
      omittedFindings: 1,
    });
    expect(payload.topFindings.map((f) => [f.severity, f.location])).toEqual([
      ['critical', 'Dockerfile:2'],
      ['high', 'Dockerfile:3'],
    ]);
  });

  it('passes when nothing reaches the threshold, unless told otherwise', () => {
    const findings = [findingAt(1, 'medium')];

    expect(webhookPayload(findings, { threshold: 'high' }).passed).toBe(true);
    expect(
      webhookPayload(findings, { threshold: 'high', passed: false }).passed,
    ).toBe(false);
  });

  it('escapes markup and drops control characters', () => {
    const hostile = finding({
      title: '<script>alert(1)</script> & <!channel>',
      message: 'line1\nline2\u0007\u202eevil\u0000',
    });

    const [listed] = webhookPayload([hostile], {
      threshold: 'high',
    }).topFindings;

    expect(listed?.title).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;',
    );
    expect(listed?.message).toBe('line1 line2 evil');
  });

  it('stays under 64 KB for many long findings full of quotes and markup', () => {
    const worst = '"<&\\'.repeat(5_000);
    const findings = Array.from({ length: 2_000 }, (_, i) =>
      finding({
        severity: 'critical',
        ruleId: worst,
        fingerprint: `${i}${worst}`,
        title: worst,
        message: worst,
        location: { path: `${i}${worst}`, line: 1 },
        vulnerability: {
          id: worst,
          aliases: [],
          packageName: 'p',
          packageVersion: '1',
          packageType: 'apk',
          fixedVersion: worst,
          cvss: [],
        },
      }),
    );

    const payload = webhookPayload(findings, {
      threshold: 'low',
      maxFindings: 1000,
      image: worst,
      repository: worst,
      runUrl: worst,
    });

    expect(payload.topFindings).toHaveLength(25);
    expect(payload.omittedFindings).toBe(1975);
    expect(JSON.stringify(payload).length).toBeLessThan(64 * 1024);
  });
});

describe('plainText', () => {
  it.each([
    ['<<<<', 6, '&lt;…'],
    ['<<<<', 5, '&lt;…'],
    ['a<<<', 4, 'a…'],
    ['short', 10, 'short'],
  ])(
    'cuts %j to %i characters without splitting an entity',
    (text, max, cut) => {
      expect(plainText(text, max)).toBe(cut);
    },
  );
});
