import { describe, expect, it } from 'vitest';
import { gemPinVersions } from '../../src/rules/pm-gem';
import { goPinVersions } from '../../src/rules/pm-go';
import { npmPinVersions, yarnCacheClean } from '../../src/rules/pm-node';
import { pipNoCacheDir, pipPinVersions } from '../../src/rules/pm-pip';
import { findingCountOf, linesAndMessagesOf } from './support';

describe('pip-pin-versions', () => {
  it.each([
    ['pip install flask==3.0.3 "requests>=2,<3"', 0],
    ['pip install -r requirements.txt', 0],
    ['pip install -c constraints.txt flask', 0],
    ['pip install -e . ./wheels/x.whl', 0],
    ['pip install git+https://github.com/x/y.git@v1.0#egg=y', 0],
    ['python3 -m pip install --index-url https://x/simple y==1', 0],
    ['pipenv install flask', 0],
    ['pip install --upgrade pip', 1],
    ['pip install git+ssh://git@github.com/x/y.git#egg=y', 1],
    ['pip3.12 install flask', 1],
    ['pipx install black', 1],
  ])('judges %s', (command, hits) => {
    expect(
      findingCountOf(pipPinVersions, `FROM python\nRUN ${command}\n`),
    ).toBe(hits);
  });

  it('masks credentials in the URLs it names', () => {
    const text =
      'FROM python\nRUN pip install git+https://bot:hunter22@example.com/x.git\n';

    expect(linesAndMessagesOf(pipPinVersions, text)).toEqual([
      [
        2,
        "pip install leaves 'git+https://***@example.com/x.git' unpinned; write 'git+https://***@example.com/x.git@<tag or commit>'",
      ],
    ]);
  });

  it('fires once for an ONBUILD trigger', () => {
    const text = 'FROM python\nONBUILD RUN pip install a && pip install b\n';

    expect(findingCountOf(pipPinVersions, text)).toBe(1);
  });
});

describe('pip-no-cache-dir', () => {
  it.each([
    ['RUN pip install --no-cache-dir flask==3', 0],
    ['RUN PIP_NO_CACHE_DIR=1 pip install flask==3', 0],
    ['RUN export PIP_NO_CACHE_DIR=true && pip install flask==3', 0],
    ['RUN pip install flask==3 && export PIP_NO_CACHE_DIR=1', 1],
    ['ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3', 0],
    ['ENV PIP_NO_CACHE_DIR 1\nRUN pip install flask==3', 0],
    ['ENV PIP_NO_CACHE_DIR=off\nRUN pip install flask==3', 1],
    ['RUN --mount=type=cache,target=/root/.cache/pip pip install x==1', 0],
    ['RUN pipx install black==24.1.0', 0],
    ['RUN pip install flask==3', 1],
  ])('judges %s', (lines, hits) => {
    expect(findingCountOf(pipNoCacheDir, `FROM python\n${lines}\n`)).toBe(hits);
  });

  it.each([
    [
      'a child stage',
      'FROM py AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\n',
      0,
    ],
    ['another image', 'FROM py AS base\nENV PIP_NO_CACHE_DIR=1\nFROM py\n', 1],
  ])('lets ENV reach %s only through FROM', (_case, text, hits) => {
    expect(findingCountOf(pipNoCacheDir, `${text}RUN pip install x==1\n`)).toBe(
      hits,
    );
  });

  it('names the pip command', () => {
    expect(
      linesAndMessagesOf(
        pipNoCacheDir,
        'FROM p\nRUN python3 -m pip install x==1\n',
      ),
    ).toEqual([
      [
        2,
        'python3 -m pip install runs without --no-cache-dir and stores its download cache in the layer',
      ],
    ]);
  });
});

describe('npm-pin-versions', () => {
  it.each([
    ['npm install', 0],
    ['npm ci --omit=dev', 0],
    ['npm install -g typescript@5.6.3 @types/node@20', 0],
    ['npm install --registry https://r.example.com left-pad@1.3.0', 0],
    ['npm install ./pkg ../other /abs ~/home file:x', 0],
    ['npm install user/repo#v1.0.0 git+https://h/x.git#abc123', 0],
    ['npm run install', 0],
    ['npm i express', 1],
    ['npm install -g npm@latest', 1],
    ['npm install @scope/name', 1],
    ['npm install user/repo', 1],
  ])('judges %s', (command, hits) => {
    expect(findingCountOf(npmPinVersions, `FROM node\nRUN ${command}\n`)).toBe(
      hits,
    );
  });

  it('names the packages', () => {
    const text = 'FROM node\nRUN npm install -g npm@latest pnpm\n';

    expect(linesAndMessagesOf(npmPinVersions, text)).toEqual([
      [
        2,
        "npm install leaves 'npm@latest' and 'pnpm' unpinned; write 'npm@<version>'",
      ],
    ]);
  });
});

describe('yarn-cache-clean', () => {
  it.each([
    ['RUN yarn install --frozen-lockfile && yarn cache clean', 0],
    ['RUN yarn && rm -rf /usr/local/share/.cache/yarn', 0],
    ['RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn', 0],
    ['RUN yarn build', 0],
    ['RUN yarn --version', 0],
    ['RUN yarn cache clean && yarn add left-pad@1.3.0', 1],
    ['RUN yarn global add typescript@5', 1],
    ['RUN yarn --frozen-lockfile', 1],
  ])('judges %s', (run, hits) => {
    expect(findingCountOf(yarnCacheClean, `FROM node\n${run}\n`)).toBe(hits);
  });

  it('skips a stage no image builds on', () => {
    const text = 'FROM node AS deps\nRUN yarn install\nFROM nginx\n';

    expect(findingCountOf(yarnCacheClean, text)).toBe(0);
  });

  it('names the command', () => {
    expect(linesAndMessagesOf(yarnCacheClean, 'FROM n\nRUN yarn\n')).toEqual([
      [
        2,
        "'yarn' leaves its downloads in the yarn cache; run 'yarn cache clean' after it in the same RUN",
      ],
    ]);
  });
});

describe('gem-pin-versions', () => {
  it.each([
    ['gem install bundler:2.5.22', 0],
    ['gem install bundler -v 2.5.22', 0],
    ['gem install --no-document bundler:2 -- --with-cflags=-O2', 0],
    ['gem install nokogiri:1.16 --use-system-libraries true', 0],
    ['gem install ./local.gem', 0],
    ['gem install -N rails', 1],
    ['gem i --conservative rails', 1],
  ])('judges %s', (command, hits) => {
    expect(findingCountOf(gemPinVersions, `FROM ruby\nRUN ${command}\n`)).toBe(
      hits,
    );
  });

  it('names the gems', () => {
    expect(
      linesAndMessagesOf(gemPinVersions, 'FROM r\nRUN gem install rails\n'),
    ).toEqual([
      [2, "gem install leaves 'rails' unpinned; write 'rails:<version>'"],
    ]);
  });
});

describe('go-pin-versions', () => {
  it.each([
    ['go install golang.org/x/tools/gopls@v0.16.2', 0],
    ['go install -ldflags "-s -w" ./cmd/app', 0],
    ['go install -o /bin/x example.com/x@v1.0.0', 0],
    ['go run main.go', 0],
    ['go run example.com/x@v1.0.0 example.com/not-a-package', 0],
    ['go build ./...', 0],
    ['go get -u example.com/x', 1],
    ['go install example.com/x@latest', 1],
    ['go install example.com/x@master', 1],
  ])('judges %s', (command, hits) => {
    expect(findingCountOf(goPinVersions, `FROM golang\nRUN ${command}\n`)).toBe(
      hits,
    );
  });

  it('names the module', () => {
    const text = 'FROM golang\nRUN go install example.com/x@latest\n';

    expect(linesAndMessagesOf(goPinVersions, text)).toEqual([
      [
        2,
        "go install fetches 'example.com/x@latest' without a fixed version; write 'example.com/x@<version>'",
      ],
    ]);
  });
});
