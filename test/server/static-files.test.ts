/**
 * The demo page and browser bundles (README, Endpoints): an ETag and 304, gzip or Brotli as the
 * client accepts, Vary: Accept-Encoding, `no-cache` on every file, and bytes that decompress to
 * exactly what is in dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { STATIC_FILES, chooseCoding } from '../../server/static-files.js';
import { startServer } from '../helpers/server.js';
import { withTimeout } from '../helpers/wait.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(url: string, headers: Record<string, string>, method = 'GET'): Promise<Raw> {
  return withTimeout(
    new Promise<Raw>((resolve, reject) => {
      const req = http.request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
    5000,
    `${method} ${url}`,
  );
}

const DECODE: Record<string, (body: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync, identity: (body) => body };

test('Accept-Encoding: the best coding accepted, q=0 refuses, * stands for the rest', () => {
  assert.equal(chooseCoding(undefined), 'identity');
  assert.equal(chooseCoding(''), 'identity');
  assert.equal(chooseCoding('gzip, deflate, br, zstd'), 'br');
  assert.equal(chooseCoding('gzip'), 'gzip');
  assert.equal(chooseCoding('br;q=0, gzip'), 'gzip');
  assert.equal(chooseCoding('gzip;q=0.5, br;q=0.4'), 'gzip');
  assert.equal(chooseCoding('*'), 'br');
  assert.equal(chooseCoding('*;q=0'), 'identity');
  assert.equal(chooseCoding('deflate, identity'), 'identity');
});

test('every static file: ETag, 304, gzip and Brotli decompressing to the bytes of dist/, Vary and no-cache', { skip: !existsSync(`${DIST}worker.js`) && 'run npm run build first' }, async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  for (const [path, { file }] of Object.entries(STATIC_FILES)) {
    if (!existsSync(`${DIST}${file}`)) continue;
    const original = readFileSync(`${DIST}${file}`);
    const etags = new Set<string>();
    for (const [accept, coding] of [['', 'identity'], ['gzip, deflate', 'gzip'], ['gzip, deflate, br', 'br']] as const) {
      const headers: Record<string, string> = accept === '' ? {} : { 'Accept-Encoding': accept };
      const res = await get(`${s.url}${path}`, headers);
      assert.equal(res.status, 200, `${path} ${accept}`);
      assert.equal(res.headers['content-encoding'], coding === 'identity' ? undefined : coding, `${path} ${accept}`);
      assert.equal(res.headers.vary, 'Accept-Encoding');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.ok(DECODE[coding]!(res.body).equals(original), `${path} as ${coding} is byte-identical to dist/${file}`);
      // Minified code halves at the least; a file of a KiB or so (tabmux-direct-hub.js) a little less.
      if (coding !== 'identity') assert.ok(res.body.length < original.length / (original.length > 2000 ? 2 : 1.5), `${path} ${coding} compresses`);
      const etag = res.headers.etag!;
      assert.match(etag, /^"[^"]+"$/, 'a strong ETag');
      etags.add(etag);
      const again = await get(`${s.url}${path}`, { ...headers, 'If-None-Match': etag });
      assert.equal(again.status, 304, `${path} ${accept}: unchanged is 304`);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers.etag, etag);
      assert.equal(again.headers.vary, 'Accept-Encoding');
      assert.equal(again.headers['cache-control'], 'no-cache');
      const head = await get(`${s.url}${path}`, headers, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], res.headers['content-length']);
      assert.equal(head.body.length, 0);
    }
    assert.equal(etags.size, 3, `${path}: one ETag per representation`);
    assert.equal((await get(`${s.url}${path}`, { 'If-None-Match': '"other"' })).status, 200, 'another ETag is a 200');
  }
});
