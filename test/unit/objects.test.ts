import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ObjectStore, sha256OfBuffer } from '../../src/store/objects';

const root = mkdtempSync(join(tmpdir(), 'labbook-objects-'));
after(() => rmSync(root, { recursive: true, force: true }));
const longAgo = new Date(Date.now() - 2 * 3600_000);

describe('ObjectStore', () => {
  test('storing content that is already there refreshes its mtime, so gc keeps it until its row is written', () => {
    const objects = new ObjectStore(join(root, 'refresh'));
    const sha = objects.putBuffer('model');
    utimesSync(objects.pathOf(sha), longAgo, longAgo);
    objects.putBuffer('model');
    assert.ok(objects.stat(sha).mtimeMs > Date.now() - 60_000);
  });

  test('collect keeps fresh or referenced blobs and removes a blob once, however many collectors ask', () => {
    const objects = new ObjectStore(join(root, 'collect'));
    const [stale, fresh, used] = ['stale', 'fresh', 'used'].map((text) => objects.putBuffer(text));
    for (const sha of [stale, used]) utimesSync(objects.pathOf(sha), longAgo, longAgo);
    const staleBefore = Date.now() - 3600_000;
    const inUse = (sha: string): boolean => sha === used;
    assert.deepEqual(
      [stale, fresh, used].map((sha) => objects.collect(sha, staleBefore, inUse)),
      [5, 0, 0],
    );
    assert.equal(objects.collect(stale, staleBefore, inUse), 0, 'already gone');
    assert.deepEqual([...objects.list()].sort(), [fresh, used].sort());
  });

  test('putFileSync streams a file in and leaves no temp file', () => {
    const dir = join(root, 'file');
    const objects = new ObjectStore(join(dir, 'objects'));
    const content = Buffer.alloc(3 * (1 << 20) + 7, 'ab');
    writeFileSync(join(dir + '.log'), content);
    const stored = objects.putFileSync(join(dir + '.log'));
    assert.deepEqual(stored, { sha256: sha256OfBuffer(content), size: content.length });
    assert.ok(objects.read(stored.sha256).equals(content));
    assert.deepEqual(objects.putFileSync(join(dir + '.log')), stored);
    assert.deepEqual(readdirSync(join(dir, 'objects')), [stored.sha256.slice(0, 2)]);
  });
});
