import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Where document bytes live. The local adapter keeps one file per document under a directory; an
 * object store implements the same interface. Keys are chosen by the caller (a document id) and
 * are never overwritten.
 */
export interface DocumentStorage {
  /** Writes the bytes as they come; the object exists only once all of them are written. */
  put(key: string, bytes: AsyncIterable<Uint8Array>): Promise<void>;
  /** The bytes, streamed. */
  get(key: string): Promise<ReadableStream<Uint8Array>>;
  /** Removes an object (an upload that was refused midway); a missing one is fine. */
  remove(key: string): Promise<void>;
}

const SAFE_KEY = /^[0-9a-f-]{36}$/;

export function createLocalDocumentStorage(dir: string): DocumentStorage {
  const root = resolve(dir);
  const pathOf = (key: string) => {
    if (!SAFE_KEY.test(key)) throw new Error(`document key ${key} is not a uuid`);
    return join(root, key);
  };
  return {
    async put(key, bytes) {
      await mkdir(root, { recursive: true });
      const final = pathOf(key);
      const partial = `${final}.partial`;
      try {
        await pipeline(Readable.from(bytes), createWriteStream(partial, { flags: 'wx' }));
        await rename(partial, final);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },
    async get(key) {
      return Readable.toWeb(createReadStream(pathOf(key))) as ReadableStream<Uint8Array>;
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
      await rm(`${pathOf(key)}.partial`, { force: true });
    },
  };
}
