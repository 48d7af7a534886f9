import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBuf, type BufCurlResult } from '../helpers/buf-curl';
import { SERVED_METHODS, SERVED_SERVICES, startInteropSidecar, type InteropSidecar } from '../helpers/interop-sidecar';
import { codeBlocks, section } from '../helpers/markdown';
import { REPO_ROOT } from '../helpers/paths';
import { generatePythonStubs, runPython } from '../helpers/python-client';
import { commands, shellWords } from '../helpers/shell-words';

// Every command of the README's "Calling it" section, run against a real sidecar with a real
// client. grpcurl is not packaged for Debian 12, so its lines run through buf curl, flag for
// flag (the same reflection and descriptor checks), and `describe` through Python's protobuf.

const README = path.join(REPO_ROOT, 'README.md');
const README_ADDRESS = '127.0.0.1:50051';
const BJORK_MBID = '87c5dedd-371d-4a53-9f7f-80522fb7f3cb';

/** What each example must show, by what it asks for. A README line without one fails. */
const EXPECTED: Record<string, (output: string) => void> = {
  list: (output) => expect(output.trim().split('\n').sort()).toEqual(SERVED_SERVICES),
  'describe api.ScrobblerIsAuthorizedRequest': (output) =>
    expect(JSON.parse(output)).toEqual([
      ['user_id', 1, 'string'],
      ['username', 2, 'string'],
    ]),
  'api.MetadataAgent/GetArtistBiography': (output) => expect(JSON.parse(output).biography).toMatch(/^Nirvana was an American rock band/),
  'api.MetadataAgent/GetArtistMBID': (output) => expect(JSON.parse(output)).toEqual({ mbid: BJORK_MBID }),
  'api.Scrobbler/Scrobble': (output) => expect(JSON.parse(output)).toEqual({}),
  'grpc.health.v1.Health/Check': (output) => expect(JSON.parse(output)).toEqual({ status: 'SERVING' }),
  '--list-methods': (output) => expect(output.trim().split('\n').sort()).toEqual(SERVED_METHODS),
  'api.MetadataAgent/GetSimilarArtists': (output) => expect(JSON.parse(output).artists.map((artist: { name: string }) => artist.name)).toEqual(['Foo Fighters', 'Pixies']),
};

const examples = codeBlocks(README, 'sh')
  .filter((block) => section(README, 'Calling it').includes(block))
  .flatMap(commands);

describe("the README's calling examples, each with a real client", () => {
  const stubs = mkdtempSync(path.join(os.tmpdir(), 'ndphost-readme-'));
  let sidecar: InteropSidecar;
  const used = new Set<string>();

  beforeAll(async () => {
    generatePythonStubs(stubs);
    sidecar = await startInteropSidecar();
  });
  afterAll(async () => {
    await sidecar?.close();
    rmSync(stubs, { recursive: true, force: true });
    expect([...used].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('finds them', () => {
    expect(examples.filter((line) => line.startsWith('grpcurl '))).toHaveLength(6);
    expect(examples.filter((line) => line.startsWith('npx buf curl '))).toHaveLength(2);
  });

  it.each(examples)('%s', async (line) => {
    const words = shellWords(line.replaceAll(README_ADDRESS, sidecar.api.address));
    const [key, output] = words[0] === 'grpcurl' ? await grpcurl(words.slice(1)) : await bufCurlLine(words);
    used.add(key);
    const expected = EXPECTED[key];
    if (!expected) throw new Error(`no expectation for the README example ${key}: add one to EXPECTED`);
    expected(output);
  });

  /** A grpcurl command line, done by buf curl or (describe) by reflection into Python's pool. */
  async function grpcurl(args: string[]): Promise<[string, string]> {
    const flags: string[] = [];
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-plaintext') flags.push('--http2-prior-knowledge');
      else if (args[i] === '-H' || args[i] === '-d') flags.push(args[i], args[++i]);
      else if (args[i].startsWith('-')) throw new Error(`grpcurl flag ${args[i]} has no buf curl translation here`);
      else rest.push(args[i]);
    }
    const [address, verb, symbol] = rest;
    if (verb === 'list') return ['list', succeeded(await runBuf(['curl', '--protocol', 'grpc', ...flags, '--list-services', `http://${address}`]))];
    if (verb === 'describe') {
      const plan = { address, stubs, describe: [symbol] };
      const result = JSON.parse(await runPython([path.join(REPO_ROOT, 'test', 'interop', 'python', 'interop_client.py')], { stdin: JSON.stringify(plan) })) as { describe: Record<string, unknown> };
      return [`describe ${symbol}`, JSON.stringify(result.describe[symbol])];
    }
    return [verb, succeeded(await runBuf(['curl', '--protocol', 'grpc', ...flags, `http://${address}/${verb}`]))];
  }

  /** A buf curl line as written, `npx buf` being the devDependency's binary. */
  async function bufCurlLine(words: string[]): Promise<[string, string]> {
    if (words[0] !== 'npx' || words[1] !== 'buf') throw new Error(`not a buf curl line: ${words.join(' ')}`);
    const url = new URL(words[words.length - 1]);
    const key = url.pathname === '/' ? words.find((word) => word.startsWith('--list')) ?? '' : url.pathname.slice(1);
    return [key, succeeded(await runBuf(words.slice(2)))];
  }
});

function succeeded(result: BufCurlResult): string {
  if (result.exitCode !== 0) throw new Error(`buf curl exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}
