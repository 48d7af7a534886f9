/**
 * The files of a new standalone plugin project (`ndphost plugin new`): an AssemblyScript
 * MetadataAgent with one rpc implemented, built with asc against @ndphost/plugin-sdk-as, and a
 * test that drives the built plugin.wasm through the plugin ABI as the host does.
 */
export interface TemplateOptions {
  /** The project and plugin id. */
  readonly name: string;
  /** The npm dependency spec of @ndphost/plugin-sdk-as (a `file:` path, a tarball, a version). */
  readonly sdkSpec: string;
  /** The exact assemblyscript version the SDK is built and tested with. */
  readonly assemblyscriptVersion: string;
}

/** Relative path -> contents. */
export function pluginTemplate(options: TemplateOptions): Map<string, string> {
  const { name } = options;
  return new Map([
    ['package.json', json(packageJson(options))],
    // A `file:` SDK folder is packed and copied like a registry package instead of symlinked, so
    // its own dependency (as-proto) lands in this project's node_modules where asc looks.
    ['.npmrc', 'install-links=true\n'],
    ['.gitignore', 'node_modules/\nplugin.wasm\n*.ndp\n'],
    ['asconfig.json', json(ASCONFIG)],
    ['manifest.json', json({ name, author: 'Your name', version: '0.1.0', description: `${name}: an ndphost MetadataAgent plugin`, services: ['MetadataAgent'] })],
    ['assembly/index.ts', indexTs(name)],
    ['assembly/tsconfig.json', json({ extends: 'assemblyscript/std/assembly.json', include: ['./**/*.ts'] })],
    ['test/plugin.test.mjs', TEST],
    ['README.md', readme(name)],
  ]);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function packageJson({ name, sdkSpec, assemblyscriptVersion }: TemplateOptions): unknown {
  return {
    name,
    version: '0.1.0',
    private: true,
    description: `${name}: an ndphost plugin`,
    scripts: {
      build: 'asc --config asconfig.json --target release',
      test: 'npm run build && node --test',
    },
    devDependencies: { '@ndphost/plugin-sdk-as': sdkSpec, assemblyscript: assemblyscriptVersion },
  };
}

// --runtime stub: the host makes a fresh instance per call and throws it away, so a bump
// allocator that never frees is the smallest and fastest runtime. Assertions stay on, so a
// broken invariant aborts the call instead of answering garbage.
const ASCONFIG = {
  entries: ['assembly/index.ts'],
  options: { runtime: 'stub' },
  targets: { release: { outFile: 'plugin.wasm', optimizeLevel: 3, shrinkLevel: 0 } },
};

function indexTs(name: string): string {
  return `// ${name}: an ndphost MetadataAgent plugin.
//
// A services-form plugin exports every rpc of each service it declares in manifest.json; the
// ones it does not implement answer NOT_IMPLEMENTED, and the host asks the next agent.
import { API_VERSION, NOT_FOUND, NOT_IMPLEMENTED, decodeRequest, fail, respond } from "@ndphost/plugin-sdk-as/assembly";
import { ArtistBiographyRequest } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistBiographyRequest";
import { ArtistBiographyResponse } from "@ndphost/plugin-sdk-as/assembly/messages/api/ArtistBiographyResponse";

// The ABI's memory exports: the host writes requests through them.
export { malloc, free } from "@ndphost/plugin-sdk-as/assembly";

export function metadata_agent_api_version(): i64 {
  return API_VERSION;
}

export function metadata_agent_get_artist_biography(ptr: usize, len: i32): u64 {
  const request = decodeRequest<ArtistBiographyRequest>(ptr, len, ArtistBiographyRequest.decode);
  if (request.name == "") return fail(NOT_FOUND);
  return respond<ArtistBiographyResponse>(new ArtistBiographyResponse(request.name + " is an artist ${name} knows about."), ArtistBiographyResponse.encode);
}

export function metadata_agent_get_artist_mbid(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
export function metadata_agent_get_artist_url(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
export function metadata_agent_get_similar_artists(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
export function metadata_agent_get_artist_images(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
export function metadata_agent_get_artist_top_songs(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
export function metadata_agent_get_album_info(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
export function metadata_agent_get_album_images(ptr: usize, len: i32): u64 { return fail(NOT_IMPLEMENTED); }
`;
}

const TEST = `// Calls the built plugin.wasm as ndphost does (the plugin ABI): a fresh instance per call, the
// request written through malloc, the answer read from the (ptr << 32) | len the export returns.
// Run with \`npm test\`, which builds first.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

const module = await WebAssembly.compile(await readFile(new URL("../plugin.wasm", import.meta.url)));
const ERROR_BIT = 0x80000000;

/** Calls an rpc export with an encoded request: { response } (bytes) or { error } (text). */
function call(rpc, request) {
  // Host services are not here: a plugin that calls one fails this test with the import's name.
  const env = new Proxy({}, { get: (_, name) => () => { throw new Error(\`env.\${String(name)} is not available in this test\`); } });
  const { exports } = new WebAssembly.Instance(module, { env });
  let ptr = 0;
  if (request.length > 0) {
    ptr = exports.malloc(request.length);
    new Uint8Array(exports.memory.buffer, ptr, request.length).set(request);
  }
  const result = BigInt.asUintN(64, exports[rpc](ptr, request.length));
  const outPtr = Number(result >> 32n);
  const outLen = Number(result & 0xffffffffn);
  const bytes = (length) => new Uint8Array(exports.memory.buffer, outPtr, length).slice();
  if (outLen & ERROR_BIT) return { error: new TextDecoder().decode(bytes(outLen & ~ERROR_BIT)) };
  return { response: bytes(outLen) };
}

/** A protobuf message of string fields: { fieldNumber: text }. */
function encode(fields) {
  const out = [];
  for (const [number, text] of Object.entries(fields)) {
    const utf8 = new TextEncoder().encode(text);
    out.push((Number(number) << 3) | 2, ...varint(utf8.length), ...utf8);
  }
  return new Uint8Array(out);
}

function varint(value) {
  const out = [];
  for (; value > 0x7f; value >>>= 7) out.push((value & 0x7f) | 0x80);
  return [...out, value];
}

/** The string fields of a protobuf message: { fieldNumber: text }. */
function decode(bytes) {
  const fields = {};
  for (let at = 0; at < bytes.length; ) {
    const readVarint = () => {
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[at++];
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
      }
    };
    const tag = readVarint();
    assert.equal(tag & 7, 2, "only string fields are expected");
    const length = readVarint();
    fields[tag >>> 3] = new TextDecoder().decode(bytes.subarray(at, at + length));
    at += length;
  }
  return fields;
}

test("api version is 1", () => {
  const { exports } = new WebAssembly.Instance(module, { env: { abort() {} } });
  assert.equal(exports.metadata_agent_api_version(), 1n);
});

test("GetArtistBiography answers with a biography", () => {
  // ArtistBiographyRequest: id = 1, name = 2, mbid = 3.
  const { response } = call("metadata_agent_get_artist_biography", encode({ 2: "Nirvana" }));
  assert.match(decode(response)[1], /^Nirvana is an artist /);
});

test("GetArtistBiography without a name is not found", () => {
  assert.deepEqual(call("metadata_agent_get_artist_biography", encode({})), { error: "plugin:not_found" });
});

test("the other rpcs are not implemented", () => {
  assert.deepEqual(call("metadata_agent_get_album_info", encode({})), { error: "plugin:not_implemented" });
});
`;

function readme(name: string): string {
  return `# ${name}

An [ndphost](https://www.npmjs.com/package/ndphost) plugin: a MetadataAgent written in
AssemblyScript with \`@ndphost/plugin-sdk-as\`.

\`\`\`sh
npm install          # the SDK and the AssemblyScript compiler
npm run build        # assembly/index.ts -> plugin.wasm
npm test             # builds, then calls plugin.wasm through the plugin ABI (test/)
\`\`\`

Try it in a running sidecar: link this folder into its plugins folder and keep it rebuilt and
reloaded on every save (\`--id\` when the folder name is not the plugin id you want):

\`\`\`sh
ndphost serve &                   # or a sidecar you already run, same config
ndphost plugin dev . --watch      # npm run build + reload on each change under assembly/
\`\`\`

then call it, e.g. with grpcurl or buf curl: \`buf curl --protocol grpc --http2-prior-knowledge
-H 'x-plugin: ${name}' -d '{"name":"Nirvana"}' http://127.0.0.1:50051/api.MetadataAgent/GetArtistBiography\`.

Ship it as a package: \`ndphost plugin pack .\` writes \`${name}.ndp\` (manifest.json, plugin.wasm,
README.md and LICENSE if present), which \`ndphost plugin install ${name}.ndp\` installs.

- \`manifest.json\`: name, author, version, description and the services the plugin serves.
  Declare \`permissions\` (e.g. \`http\` with its allowed URLs) before calling host services.
- \`assembly/index.ts\`: one export per rpc of each declared service, named
  \`<service>_<rpc>\` in snake case; the SDK's \`decodeRequest\`, \`respond\` and \`fail\` do the ABI
  work, and its modules (\`httpGet\`, \`getPluginConfig\`, timers, cache...) call the host.
- Messages: \`@ndphost/plugin-sdk-as/assembly/messages/<package>/<Message>\`.
`;
}
