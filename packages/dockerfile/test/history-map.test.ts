import { readFileSync } from 'node:fs';
import type { Finding } from '@imagegate/findings';
import { corpusAvailable, corpusPath } from '@imagegate/test-support';
import { describe, expect, it } from 'vitest';
import {
  attributeFindings,
  mapLayersToDockerfile,
  NO_DOCKERFILE_NOTE,
  parseCreatedBy,
  parseDockerfile,
  type ImageHistoryEntry,
  type LayerLineMap,
} from '../src/index';

/** `layer → where`, compact enough to compare whole maps. */
function describeMap(map: LayerLineMap): string[] {
  return map.layers.map(({ layerDigest, origin }) => {
    if (origin.kind === 'unmatched') return `${layerDigest} unmatched`;
    const { startLine, endLine } = origin.lines;
    const lines =
      startLine === endLine ? `${startLine}` : `${startLine}-${endLine}`;
    const what =
      origin.kind === 'base-image' ? `base ${origin.image}` : origin.keyword;
    return `${layerDigest} ${what} ${lines}`;
  });
}

/** Digests `sha256:l1`, `sha256:l2`, ... for the layers of a history. */
function digestsFor(history: readonly ImageHistoryEntry[]): string[] {
  const count = history.filter((entry) => entry.empty_layer !== true).length;
  return Array.from({ length: count }, (_, i) => `sha256:l${i + 1}`);
}

function layer(created_by: string): ImageHistoryEntry {
  return { created_by };
}

function meta(created_by: string): ImageHistoryEntry {
  return { created_by, empty_layer: true };
}

function mapOf(dockerfile: string, history: ImageHistoryEntry[]): LayerLineMap {
  return mapLayersToDockerfile(
    parseDockerfile(dockerfile, 'Dockerfile'),
    history,
    digestsFor(history),
  );
}

const ALPINE_BUILDKIT = [
  layer('ADD alpine-minirootfs-3.19.1-x86_64.tar.gz / # buildkit'),
  meta('CMD ["/bin/sh"]'),
];

const DEBIAN_CLASSIC = [
  layer(
    '/bin/sh -c #(nop) ADD file:9deb26e1dbc258df41f1e5ed7da4d5b3e6c8b1b8c2c1a8e3a1d0ac8ba8f0d2c1 in / ',
  ),
  meta('/bin/sh -c #(nop)  CMD ["bash"]'),
];

const NODE_APP = [
  'FROM alpine:3.19', // 1
  'ARG VERSION=1.2.3', // 2
  'RUN apk add --no-cache curl \\', // 3
  '    ca-certificates', // 4
  'WORKDIR /app', // 5
  'COPY --chown=app:app ./dist /app/dist', // 6
  'ENV NODE_ENV=production', // 7
  'RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev', // 8
  'USER app', // 9
  'CMD ["node", "dist/server.js"]', // 10
].join('\n');

describe('parseCreatedBy', () => {
  it.each([
    ['RUN /bin/sh -c make # buildkit', 'RUN', '/bin/sh -c make', 'buildkit'],
    [
      'RUN |2 A=1 B=x y /bin/sh -c make # buildkit',
      'RUN',
      'y /bin/sh -c make',
      'buildkit',
    ],
    ['COPY /src /app # buildkit', 'COPY', '/src /app', 'buildkit'],
    ['EXPOSE map[80/tcp:{}]', 'EXPOSE', 'map[80/tcp:{}]', 'buildkit'],
    ['/bin/sh -c #(nop)  ENV A=b', 'ENV', 'A=b', 'shell'],
    [
      '/bin/sh -c #(nop) COPY file:abc in /app ',
      'COPY',
      'file:abc in /app',
      'shell',
    ],
    [
      '/bin/sh -c #(nop) COPY --link multi:abc in /srv/ ',
      'COPY',
      '--link multi:abc in /srv/',
      'shell',
    ],
    ['/bin/sh -c apt-get update', 'RUN', '/bin/sh -c apt-get update', 'shell'],
    ['|1 V=2 /bin/sh -c make', 'RUN', '/bin/sh -c make', 'shell'],
    ['cmd /S /C #(nop)  USER app', 'USER', 'app', 'shell'],
    ['apk add git', 'RUN', 'apk add git', 'shell'],
  ])('reads %j', (text, keyword, body, form) => {
    expect(parseCreatedBy(text)).toEqual({ keyword, body, form });
  });

  it('reads a missing created_by as nothing', () => {
    expect(parseCreatedBy(undefined)).toEqual({
      keyword: undefined,
      body: '',
      form: 'none',
    });
  });
});

describe('mapLayersToDockerfile', () => {
  it('maps a BuildKit history, build arguments and WORKDIR layer included', () => {
    const history = [
      ...ALPINE_BUILDKIT,
      meta('ARG VERSION=1.2.3'),
      layer(
        'RUN |1 VERSION=1.2.3 /bin/sh -c apk add --no-cache curl     ca-certificates # buildkit',
      ),
      layer('WORKDIR /app'),
      layer('COPY --chown=app:app ./dist /app/dist # buildkit'),
      meta('ENV NODE_ENV=production'),
      layer('RUN |1 VERSION=1.2.3 /bin/sh -c npm ci --omit=dev # buildkit'),
      meta('USER app'),
      meta('CMD ["node" "dist/server.js"]'),
    ];

    const map = mapOf(NODE_APP, history);

    expect(describeMap(map)).toEqual([
      'sha256:l1 base alpine:3.19 1',
      'sha256:l2 RUN 3-4',
      'sha256:l3 WORKDIR 5',
      'sha256:l4 COPY 6',
      'sha256:l5 RUN 8',
    ]);
    expect(map.problem).toBeUndefined();
  });

  it('maps a history where BuildKit left out no-op layers', () => {
    const history = [
      ...ALPINE_BUILDKIT,
      meta('ARG VERSION=1.2.3'),
      layer(
        'RUN |1 VERSION=1.2.3 /bin/sh -c apk add --no-cache curl     ca-certificates # buildkit',
      ),
      meta('WORKDIR /app'),
      layer('COPY --chown=app:app ./dist /app/dist # buildkit'),
      meta('ENV NODE_ENV=production'),
      meta('RUN |1 VERSION=1.2.3 /bin/sh -c npm ci --omit=dev # buildkit'),
      meta('USER app'),
      meta('CMD ["node" "dist/server.js"]'),
    ];

    expect(describeMap(mapOf(NODE_APP, history))).toEqual([
      'sha256:l1 base alpine:3.19 1',
      'sha256:l2 RUN 3-4',
      'sha256:l3 COPY 6',
    ]);
  });

  it("maps docker's classic builder history", () => {
    const dockerfile = [
      'FROM debian:bookworm', // 1
      'ARG DEBIAN_FRONTEND=noninteractive', // 2
      'COPY requirements.txt /app/', // 3
      'RUN apt-get update \\', // 4
      '  && apt-get install -y python3', // 5
      'WORKDIR /app', // 6
      'RUN ["pip", "install", "-r", "requirements.txt"]', // 7
      'EXPOSE 8000', // 8
      'CMD ["python3", "-m", "app"]', // 9
    ].join('\n');
    const history = [
      ...DEBIAN_CLASSIC,
      meta('/bin/sh -c #(nop)  ARG DEBIAN_FRONTEND=noninteractive'),
      layer('/bin/sh -c #(nop) COPY file:5d1f2c3b4a in /app/ '),
      layer(
        '|1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get update   && apt-get install -y python3',
      ),
      layer('/bin/sh -c #(nop) WORKDIR /app'),
      layer(
        '|1 DEBIAN_FRONTEND=noninteractive pip install -r requirements.txt',
      ),
      meta('/bin/sh -c #(nop)  EXPOSE 8000'),
      meta('/bin/sh -c #(nop)  CMD ["python3" "-m" "app"]'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 base debian:bookworm 1',
      'sha256:l2 COPY 3',
      'sha256:l3 RUN 4-5',
      'sha256:l4 WORKDIR 6',
      'sha256:l5 RUN 7',
    ]);
  });

  it('takes a classic-builder RUN that changed nothing for what it is', () => {
    const dockerfile = [
      'FROM debian:bookworm', // 1
      'ENV LANG=C.UTF-8', // 2
      'RUN echo "building"', // 3
      'RUN apt-get install -y curl', // 4
    ].join('\n');
    const history = [
      ...DEBIAN_CLASSIC,
      meta('/bin/sh -c #(nop)  ENV LANG=C.UTF-8'),
      meta('/bin/sh -c echo "building"'),
      layer('/bin/sh -c apt-get install -y curl'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 base debian:bookworm 1',
      'sha256:l2 RUN 4',
    ]);
  });

  it('maps a buildah history built with --layers', () => {
    const dockerfile = [
      'FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4', // 1
      'ARG VERSION', // 2
      'ENV APP_HOME=/opt/app', // 3
      'COPY --link app.jar ${APP_HOME}/', // 4
      'RUN --mount=type=cache,target=/var/cache/dnf microdnf install -y java-17 \\', // 5
      '    && microdnf clean all', // 6
      'WORKDIR /opt/app', // 7
      'RUN <<EOF', // 8
      'echo "$VERSION" > /opt/app/VERSION', // 9
      'EOF', // 10
      'ENTRYPOINT ["java", "-jar", "app.jar"]', // 11
    ].join('\n');
    const history = [
      layer('/bin/sh -c #(nop) ADD file:0c1f00f6a1 in / '),
      meta('/bin/sh -c #(nop) LABEL vendor="Red Hat, Inc."'),
      meta('/bin/sh -c #(nop) ARG VERSION'),
      meta('/bin/sh -c #(nop) ENV APP_HOME=/opt/app'),
      layer('/bin/sh -c #(nop) COPY --link file:8f2a01 in /opt/app/ '),
      layer(
        '|1 VERSION=2.0 /bin/sh -c --mount=type=cache,target=/var/cache/dnf microdnf install -y java-17     && microdnf clean all',
      ),
      meta('/bin/sh -c #(nop) WORKDIR /opt/app'),
      layer(
        '|1 VERSION=2.0 /bin/sh -c <<EOF\necho "$VERSION" > /opt/app/VERSION',
      ),
      meta('/bin/sh -c #(nop) ENTRYPOINT ["java", "-jar", "app.jar"]'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 base registry.access.redhat.com/ubi9/ubi-minimal:9.4 1',
      'sha256:l2 COPY 4',
      'sha256:l3 RUN 5-6',
      'sha256:l4 RUN 8-10',
    ]);
  });

  it('says so when buildah put a whole stage into one layer', () => {
    const dockerfile = [
      'FROM alpine:3.19', // 1
      'COPY app /usr/local/bin/app', // 2
      'RUN chmod +x /usr/local/bin/app', // 3
      'CMD ["app"]', // 4
    ].join('\n');
    const history = [
      ...ALPINE_BUILDKIT,
      meta('/bin/sh -c #(nop) COPY file:77aa in /usr/local/bin/app '),
      meta('/bin/sh -c chmod +x /usr/local/bin/app'),
      layer('/bin/sh -c #(nop) CMD ["app"]'),
    ];

    const map = mapOf(dockerfile, history);

    expect(describeMap(map)).toEqual([
      'sha256:l1 base alpine:3.19 1',
      'sha256:l2 unmatched',
    ]);
    expect(map.layers[1]?.origin).toEqual({
      kind: 'unmatched',
      reason:
        'the stage on line 1 was committed as one layer (buildah without --layers); lines 2, 3 all wrote to it',
    });
  });

  it('maps a one-layer buildah stage when one instruction wrote files', () => {
    const dockerfile =
      'FROM alpine:3.19\nCOPY app /app\nUSER 65532\nCMD ["/app"]';
    const history = [
      ...ALPINE_BUILDKIT,
      meta('/bin/sh -c #(nop) COPY file:77aa in /app '),
      meta('/bin/sh -c #(nop) USER 65532'),
      layer('/bin/sh -c #(nop) CMD ["/app"]'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 base alpine:3.19 1',
      'sha256:l2 COPY 2',
    ]);
  });

  it('follows the final stage into the stages it is built from', () => {
    const dockerfile = [
      'FROM golang:1.22 AS build', // 1
      'RUN go build -o /out/app ./cmd/app', // 2
      'FROM node:20-slim AS deps', // 3
      'RUN npm ci', // 4
      'FROM deps AS final', // 5
      'COPY --from=build /out/app /usr/local/bin/app', // 6
      'ONBUILD RUN echo never', // 7
      'USER node', // 8
    ].join('\n');
    const history = [
      layer('/bin/sh -c #(nop) ADD file:aa11 in / '),
      meta('/bin/sh -c #(nop)  CMD ["node"]'),
      layer('RUN /bin/sh -c npm ci # buildkit'),
      layer('COPY /out/app /usr/local/bin/app # buildkit'),
      meta('USER node'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 base node:20-slim 3',
      'sha256:l2 RUN 4',
      'sha256:l3 COPY 6',
    ]);
  });

  it('leaves layers unmatched, saying why, when the history disagrees', () => {
    const dockerfile = 'FROM alpine:3.19\nRUN apk add curl\nRUN make\n';
    const history = [
      ...ALPINE_BUILDKIT,
      layer('RUN /bin/sh -c apk add wget # buildkit'),
      layer('RUN /bin/sh -c make # buildkit'),
    ];

    const map = mapOf(dockerfile, history);

    expect(describeMap(map)).toEqual([
      'sha256:l1 unmatched',
      'sha256:l2 unmatched',
      'sha256:l3 RUN 3',
    ]);
    expect(map.problem).toBe(
      "history entry 2 ('RUN /bin/sh -c apk add wget # buildkit') does not match RUN on line 2",
    );
  });

  it('does not take a longer command for a shorter script', () => {
    const dockerfile = 'FROM alpine:3.19\nRUN make\n';
    const history = [
      ...ALPINE_BUILDKIT,
      layer('RUN /bin/sh -c make install # buildkit'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 unmatched',
      'sha256:l2 unmatched',
    ]);
  });

  it('does not match a COPY to another destination', () => {
    const dockerfile = 'FROM alpine:3.19\nCOPY app /srv/app\n';
    const history = [...ALPINE_BUILDKIT, layer('COPY app /opt/app # buildkit')];

    expect(mapOf(dockerfile, history).layers[1]?.origin.kind).toBe('unmatched');
  });

  it('leaves every layer unmatched when the history and layers disagree', () => {
    const dockerfile = parseDockerfile(
      'FROM alpine:3.19\nRUN make\n',
      'Dockerfile',
    );

    const map = mapLayersToDockerfile(dockerfile, ALPINE_BUILDKIT, [
      'sha256:a',
      'sha256:b',
    ]);

    expect(map.layers.map((l) => l.origin)).toEqual([
      {
        kind: 'unmatched',
        reason: 'the image history lists 1 layers but the image has 2',
      },
      {
        kind: 'unmatched',
        reason: 'the image history lists 1 layers but the image has 2',
      },
    ]);
  });

  it('leaves every layer unmatched when there is no history', () => {
    const dockerfile = parseDockerfile('FROM alpine:3.19\n', 'Dockerfile');

    const map = mapLayersToDockerfile(dockerfile, [], ['sha256:a']);

    expect(map.problem).toBe('the image config has no history');
  });

  it('does not give base layers to a FROM scratch stage', () => {
    const dockerfile = 'FROM scratch\nCOPY app /app\n';
    const history = [
      layer('ADD rootfs.tar / # buildkit'),
      layer('COPY app /app # buildkit'),
    ];

    expect(describeMap(mapOf(dockerfile, history))).toEqual([
      'sha256:l1 unmatched',
      'sha256:l2 COPY 2',
    ]);
  });
});

describe('mapLayersToDockerfile on corpus image configs', () => {
  const available = corpusAvailable();

  function config(...parts: string[]): {
    history: ImageHistoryEntry[];
    rootfs: { diff_ids: string[] };
  } {
    return JSON.parse(readFileSync(corpusPath('images', ...parts), 'utf8')) as {
      history: ImageHistoryEntry[];
      rootfs: { diff_ids: string[] };
    };
  }

  it.skipIf(!available)(
    'maps a classic-builder config with build arguments',
    () => {
      const image = config(
        'docker-manifest',
        'stereoscope',
        'engine-config.json',
      );
      const dockerfile = parseDockerfile(ANCHORE_DOCKERFILE, 'Dockerfile');

      const map = mapLayersToDockerfile(
        dockerfile,
        image.history,
        image.rootfs.diff_ids,
      );

      expect(map.layers.map((l) => l.origin.kind)).toEqual([
        'base-image',
        'base-image',
        'instruction',
        'instruction',
        'instruction',
        'instruction',
        'instruction',
      ]);
      expect(
        map.layers
          .slice(2)
          .map(
            (l) => l.origin.kind === 'instruction' && l.origin.lines.startLine,
          ),
      ).toEqual([6, 12, 15, 16, 34]);
    },
  );

  it.skipIf(!available)('maps a BuildKit RUN written with tabs', () => {
    const image = config('snyk', 'image-configs', 'gcc.json');
    const dockerfile = parseDockerfile(
      [
        'FROM debian:stretch',
        'LABEL maintainer "Jessie Frazelle <jess@linux.com>"',
        'RUN apt-get update && apt-get install -y \\',
        '\tgcc \\',
        '\tlibc6-dev \\',
        '\t--no-install-recommends \\',
        '\t&& rm -rf /var/lib/apt/lists/*',
      ].join('\n'),
      'Dockerfile',
    );

    const map = mapLayersToDockerfile(
      dockerfile,
      image.history,
      image.rootfs.diff_ids,
    );

    expect(
      map.layers.map((l) =>
        l.origin.kind === 'unmatched' ? 'unmatched' : l.origin.lines.startLine,
      ),
    ).toEqual([1, 3]);
  });

  it.skipIf(!available)(
    'maps a BuildKit COPY whose destination uses an ARG',
    () => {
      const blob =
        '549248a7ac95478805d9248e4ffdc778fc2404257d8c071848746e0100e08099';
      const image = config(
        'oci-layout',
        'stereoscope',
        'multiplatform_oci_dir',
        'blobs',
        'sha256',
        blob,
      );
      const dockerfile = parseDockerfile(
        'FROM scratch\nARG TARGETPLATFORM\nCOPY README.md /${TARGETPLATFORM}/README.md\n',
        'Dockerfile',
      );

      const map = mapLayersToDockerfile(
        dockerfile,
        image.history,
        image.rootfs.diff_ids,
      );

      expect(map.layers.map((l) => l.origin.kind)).toEqual(['instruction']);
    },
  );
});

/**
 * The final stage of anchore-engine 0.8.1's Dockerfile, as its history
 * shows it (the image config is in the corpus). Line numbers matter.
 */
const ANCHORE_DOCKERFILE = [
  'FROM registry.access.redhat.com/ubi8/ubi:8.2', // 1
  'ARG CLI_COMMIT', // 2
  'ARG ANCHORE_COMMIT', // 3
  'ARG ANCHORE_ENGINE_VERSION="0.8.1"', // 4
  'ARG ANCHORE_ENGINE_RELEASE="r0"', // 5
  'COPY --from=anchore-engine-builder /build_output /build_output', // 6
  'MAINTAINER dev@anchore.com', // 7
  'LABEL name="anchore-engine"', // 8
  'ENV LANG=en_US.UTF-8 LC_ALL=C.UTF-8', // 9
  'ENV ANCHORE_CONFIG_DIR=/config', // 10
  'EXPOSE ${ANCHORE_SERVICE_PORT}', // 11
  'RUN set -ex && \\', // 12
  '    yum update -y && \\', // 13
  '    yum install -y python36 python3-wheel procps psmisc', // 14
  'WORKDIR /anchore-engine', // 15
  [
    'RUN set -ex', // 16, 18 lines
    'groupadd --gid 1000 anchore',
    'useradd --uid 1000 --gid anchore --shell /bin/bash --create-home anchore',
    'mkdir ${ANCHORE_SERVICE_DIR}',
    'mkdir /config',
    'mkdir /licenses',
    'mkdir -p /var/log/anchore && chown -R anchore:anchore /var/log/anchore',
    'mkdir -p /var/run/anchore && chown -R anchore:anchore /var/run/anchore',
    'mkdir -p /analysis_scratch && chown -R anchore:anchore /analysis_scratch',
    'mkdir -p /workspace && chown -R anchore:anchore /workspace',
    'mkdir -p ${ANCHORE_SERVICE_DIR} && chown -R anchore:anchore /anchore_service',
    'mkdir -p /home/anchore/clamav/db',
    'cp /build_output/LICENSE /licenses/',
    'cp /build_output/configs/default_config.yaml /config/config.yaml',
    'cp /build_output/configs/docker-entrypoint.sh /docker-entrypoint.sh',
    'cp /build_output/configs/clamav/freshclam.conf /home/anchore/clamav/ && chown -R anchore:anchore /home/anchore/clamav && chmod -R ug+rw /home/anchore/clamav',
    'md5sum /config/config.yaml > /config/build_installed',
    'chmod +x /docker-entrypoint.sh',
  ].join(' && \\\n    '),
  [
    'RUN set -ex', // 34
    'pip3 install --no-index --find-links=./ /build_output/wheels/*.whl',
    'cp /build_output/deps/skopeo /usr/bin/skopeo',
    'mkdir -p /etc/containers',
    'cp /build_output/configs/skopeo-policy.json /etc/containers/policy.json',
    'yum install -y /build_output/deps/*.rpm',
    'rm -rf /build_output /root/.cache',
  ].join(' && \\\n    '),
  'HEALTHCHECK --start-period=20s \\',
  '    CMD curl -f http://localhost:8228/health || exit 1',
  'USER anchore:anchore',
  'ENTRYPOINT ["/docker-entrypoint.sh"]',
  'CMD ["anchore-manager", "service", "start", "--all"]',
].join('\n');

describe('attributeFindings', () => {
  const dockerfile = parseDockerfile(NODE_APP, 'Dockerfile');
  const history = [
    ...ALPINE_BUILDKIT,
    meta('ARG VERSION=1.2.3'),
    layer(
      'RUN |1 VERSION=1.2.3 /bin/sh -c apk add --no-cache curl     ca-certificates # buildkit',
    ),
    layer('WORKDIR /app'),
    layer('COPY --chown=app:app ./dist /app/dist # buildkit'),
    meta('ENV NODE_ENV=production'),
    layer('RUN /bin/sh -c npm ci --omit=dev # buildkit'),
  ];
  const map = mapLayersToDockerfile(dockerfile, history, digestsFor(history));

  function imageFinding(layerDigest: string, fingerprint: string): Finding {
    return {
      tool: 'imagegate-scan',
      ruleId: 'CVE-2024-0001',
      ruleAliases: [],
      severity: 'high',
      title: 'curl: heap overflow',
      message: 'curl 8.5.0 is affected.',
      fingerprint,
      location: {
        image: 'ghcr.io/acme/app',
        digest: 'sha256:feed',
        layerDigest,
        packageName: 'curl',
      },
    };
  }

  it('points findings at the line that made their layer', () => {
    const findings = [imageFinding('sha256:l2', 'fp-curl')];

    const [attributed] = attributeFindings(
      findings,
      map,
      './docker/Dockerfile',
    );

    expect(attributed?.location).toEqual({
      image: 'ghcr.io/acme/app',
      digest: 'sha256:feed',
      layerDigest: 'sha256:l2',
      packageName: 'curl',
      path: 'docker/Dockerfile',
      line: 3,
      endLine: 4,
    });
    expect(attributed?.message).toBe('curl 8.5.0 is affected.');
    expect(attributed?.fingerprint).toBe('fp-curl');
  });

  it('points base-image findings at FROM and names the base image', () => {
    const [attributed] = attributeFindings(
      [imageFinding('sha256:l1', 'fp-musl')],
      map,
      'Dockerfile',
    );

    expect(attributed?.location.line).toBe(1);
    expect(attributed?.message).toBe(
      "curl 8.5.0 is affected. It comes from the base image 'alpine:3.19'.",
    );
  });

  it('says so when no Dockerfile is known, once however often it runs', () => {
    const once = attributeFindings(
      [imageFinding('sha256:l2', 'fp')],
      map,
      undefined,
    );

    const twice = attributeFindings(once, map, undefined);

    expect(twice[0]?.location.path).toBeUndefined();
    expect(twice[0]?.message).toBe(
      `curl 8.5.0 is affected. ${NO_DOCKERFILE_NOTE}`,
    );
    expect(twice[0]?.fingerprint).toBe('fp');
  });

  it('notes layers that could not be matched', () => {
    const unmatched = mapLayersToDockerfile(dockerfile, [], ['sha256:l2']);

    const [attributed] = attributeFindings(
      [imageFinding('sha256:l2', 'fp')],
      unmatched,
      'Dockerfile',
    );

    expect(attributed?.location.path).toBeUndefined();
    expect(attributed?.message).toBe(
      'curl 8.5.0 is affected. Its layer could not be matched to a Dockerfile line: the image config has no history.',
    );
  });

  it('leaves findings that already have a file alone', () => {
    const lint: Finding = {
      ...imageFinding('sha256:l2', 'fp'),
      location: { path: 'Dockerfile', line: 7 },
    };

    expect(attributeFindings([lint], undefined, undefined)).toEqual([lint]);
  });
});
