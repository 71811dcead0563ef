import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredFile {
  key: string;
  name: string;
  contentType: string;
  size: number;
}

export class AttachmentTooLarge extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`The file is larger than the ${Math.round(limit / 1024 / 1024)} MB limit`);
    this.name = 'AttachmentTooLarge';
    this.limit = limit;
  }
}

const KEY = /^[0-9]{6}\/[0-9a-f-]{36}$/;

/**
 * Files customers and operators send, on local disk under DATA_DIR/attachments by default. Keys are
 * random (`yyyymm/uuid`), so a key is never guessed from another; metadata sits next to the file.
 * Every channel stores files through this one place, with one size limit.
 */
export class AttachmentStore {
  readonly #root: string;
  readonly maxBytes: number;

  constructor(dataDir: string, maxBytes: number) {
    this.#root = resolve(dataDir, 'attachments');
    this.maxBytes = maxBytes;
  }

  /** Streams a file in; refuses (and leaves nothing behind) once it passes the size limit. */
  async save(data: Buffer | Readable, meta: { name?: string; contentType?: string }): Promise<StoredFile> {
    const now = new Date();
    const key = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}/${randomUUID()}`;
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    let size = 0;
    const limit = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > limit ? new AttachmentTooLarge(limit) : null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data, counter, createWriteStream(path));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    const stored = { key, name: cleanName(meta.name), contentType: meta.contentType || 'application/octet-stream', size };
    await writeFile(`${path}.json`, JSON.stringify(stored));
    return stored;
  }

  /** A stored file's metadata, or null for an unknown or malformed key. */
  async meta(key: string): Promise<StoredFile | null> {
    if (!KEY.test(key)) return null;
    try {
      return JSON.parse(await readFile(`${this.#path(key)}.json`, 'utf8')) as StoredFile;
    } catch {
      return null;
    }
  }

  /** The file and its metadata, or null for an unknown or malformed key. */
  async open(key: string): Promise<{ meta: StoredFile; stream: Readable } | null> {
    if (!KEY.test(key)) return null;
    const path = this.#path(key);
    try {
      const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as StoredFile;
      await stat(path);
      return { meta, stream: createReadStream(path) };
    } catch {
      return null;
    }
  }

  async read(key: string): Promise<{ meta: StoredFile; data: Buffer } | null> {
    if (!KEY.test(key)) return null;
    const opened = await this.open(key);
    if (!opened) return null;
    opened.stream.destroy();
    return { meta: opened.meta, data: await readFile(this.#path(key)) };
  }

  #path(key: string): string {
    return join(this.#root, key);
  }
}

/** A display name safe in a Content-Disposition header and on disk listings. */
function cleanName(name: string | undefined): string {
  const cleaned = (name ?? '').replace(/[\u0000-\u001f"\\/]/g, '_').trim().slice(0, 200);
  return cleaned || 'file';
}
