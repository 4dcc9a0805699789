import { ValidationError } from '../domain/errors';
import { visibleFileName } from '../domain/fileName';
import type { Upload } from '../usecases/documents';

/**
 * A streaming reader of multipart/form-data (RFC 7578) for uploads: the fields before the file
 * are read (small, bounded), the file part is handed on as its bytes arrive, never held whole,
 * and the fields after it are read once the file has been consumed. Hono's parseBody() buffers the
 * whole body, which a 10 MiB limit enforced while streaming cannot use.
 */

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 4 * 1024;
const MAX_FIELDS = 20;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const malformed = (why: string) => new ValidationError(`the multipart body is malformed: ${why}`, 'file');

interface PartHeaders {
  name: string | undefined;
  fileName: string | undefined;
}

/** `name` and `filename` of a part's Content-Disposition. */
function parsePartHeaders(text: string): PartHeaders {
  const disposition = text
    .split('\r\n')
    .find((line) => /^content-disposition:/i.test(line))
    ?.slice('content-disposition:'.length);
  if (!disposition) throw malformed('a part has no Content-Disposition');
  const param = (key: string) => {
    const match =
      new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ??
      new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
    return match?.[1]?.replace(/\\(.)/g, '$1');
  };
  return { name: param('name'), fileName: param('filename') };
}

/** A file name fit to store and to send back in Content-Disposition: its last path segment, visible characters only, at most 200 characters. */
export function cleanFileName(name: string | undefined): string {
  return visibleFileName(name).slice(0, 200) || 'document';
}

class BodyReader {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Reads one more chunk into the buffer; false once the body has ended. */
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    this.buffer = this.buffer.length === 0 ? Buffer.from(value) : Buffer.concat([this.buffer, value]);
    return true;
  }

  /** Everything up to `pattern` (which is consumed too), reading as needed; at most `max` bytes. */
  async readUntil(pattern: Buffer, max: number): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(pattern);
      if (at >= 0) {
        const head = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + pattern.length);
        return head;
      }
      if (this.buffer.length > max + pattern.length) throw malformed('a part header or field is too long');
      if (!(await this.fill())) throw malformed('the body ended early');
    }
  }

  /** The next `n` bytes, consumed. */
  async take(n: number): Promise<Buffer> {
    while (this.buffer.length < n) if (!(await this.fill())) throw malformed('the body ended early');
    const head = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return head;
  }

  /**
   * The bytes up to `delimiter` as they arrive (the delimiter consumed): whatever cannot be the
   * start of the delimiter is passed on at once, so at most one chunk plus the delimiter is held.
   */
  async *streamUntil(delimiter: Buffer): AsyncGenerator<Uint8Array> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter);
      if (at >= 0) {
        if (at > 0) yield this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + delimiter.length);
        return;
      }
      const safe = this.buffer.length - (delimiter.length - 1);
      if (safe > 0) {
        const out = this.buffer.subarray(0, safe);
        this.buffer = this.buffer.subarray(safe);
        yield out;
      }
      if (!(await this.fill())) throw malformed('the body ended inside a part');
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

/**
 * Opens an upload: reads up to the part named `fileField` (a file) and returns its name, its
 * bytes as a stream, and the other fields (complete once the bytes are consumed).
 */
export async function openUpload(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | undefined,
  fileField = 'file',
): Promise<Upload> {
  const boundary = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundaryText = boundary?.[1] ?? boundary?.[2];
  if (!boundaryText || !body) throw new ValidationError('the body must be multipart/form-data with a file field', 'file');
  const reader = new BodyReader(body.getReader());
  const delimiter = Buffer.from(`\r\n--${boundaryText}`);
  const fields: Record<string, string> = {};
  let count = 0;

  // The preamble ends with the first boundary line (no CRLF before it when the body starts with it).
  await reader.readUntil(Buffer.from(`--${boundaryText}`), MAX_HEADER_BYTES);

  /** After a delimiter: true if another part follows, false at the closing `--`. */
  const nextPart = async (): Promise<boolean> => {
    const after = await reader.take(2);
    if (after.toString() === '--') return false;
    if (!after.equals(CRLF)) throw malformed('a boundary is not followed by CRLF');
    return true;
  };

  const readField = async (name: string) => {
    if (++count > MAX_FIELDS) throw malformed('too many fields');
    fields[name] = (await reader.readUntil(delimiter, MAX_FIELD_BYTES)).toString('utf8');
  };

  for (;;) {
    if (!(await nextPart())) break;
    const headers = parsePartHeaders((await reader.readUntil(HEADER_END, MAX_HEADER_BYTES)).toString('utf8'));
    if (headers.name === fileField && headers.fileName !== undefined) {
      let finished = false;
      async function* bytes(): AsyncGenerator<Uint8Array> {
        try {
          yield* reader.streamUntil(delimiter);
          finished = true;
        } finally {
          // Stopped early (a refused type, the size limit): read no further.
          if (!finished) await reader.cancel();
        }
      }
      return {
        fileName: cleanFileName(headers.fileName),
        bytes: bytes(),
        async fields() {
          if (!finished) throw new Error('the file was not read to its end');
          while (await nextPart()) {
            const more = parsePartHeaders((await reader.readUntil(HEADER_END, MAX_HEADER_BYTES)).toString('utf8'));
            await readField(more.name ?? '');
          }
          return fields;
        },
      };
    }
    await readField(headers.name ?? '');
  }
  throw new ValidationError(`the form has no file in the field "${fileField}"`, fileField);
}
