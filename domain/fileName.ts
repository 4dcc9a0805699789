/**
 * Names of stored documents (docs/api.md): the name a client gave, made safe to show and to send back in
 * Content-Disposition, with the extension of the type the bytes were found to be. A file that
 * starts like a PDF but is called `invoice.html` is stored and served as `invoice.pdf`, so no
 * browser or desktop opens it as HTML.
 */

/**
 * Characters a reader does not see or that reorder what is seen: controls (C0, DEL, C1 with
 * U+0085), format characters (bidirectional overrides and isolates such as U+202E, zero-width
 * characters, the BOM, the soft hyphen), line and paragraph separators, private-use and unassigned
 * code points, and the blank fillers that render as nothing (Hangul fillers, the braille blank).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u115F\u1160\u2800\u3164\uFFA0]/gu;

/** Characters that mean something in a path or in a quoted header parameter. */
const SEPARATORS = /["\\/:*?<>|]/g;

const EXTENSIONS: Record<string, { canonical: string; accepted: readonly string[] }> = {
  'application/pdf': { canonical: 'pdf', accepted: ['pdf'] },
  'image/png': { canonical: 'png', accepted: ['png'] },
  'image/jpeg': { canonical: 'jpg', accepted: ['jpg', 'jpeg'] },
};

const MAX_LENGTH = 200;

/** The visible part of a name: its last path segment, NFC, without invisible characters, spaces collapsed. */
export function visibleFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  return base.normalize('NFC').replace(INVISIBLE, '').replace(SEPARATORS, '').replace(/\s+/gu, ' ').trim().replace(/^\.+/, '');
}

/**
 * The stored name: visible characters only, and the extension of the detected content type in
 * place of whatever extension the name had (`invoice.html` as a PDF is `invoice.pdf`; `scan.jpeg`
 * as a JPEG stays). Idempotent, so names stored before this rule are served by it too.
 */
export function documentFileName(name: string | undefined, contentType: string): string {
  const type = EXTENSIONS[contentType];
  const visible = visibleFileName(name);
  if (!type) return visible.slice(0, MAX_LENGTH) || 'document';
  const dot = visible.lastIndexOf('.');
  const stem = (dot > 0 ? visible.slice(0, dot) : visible).trim() || 'document';
  const extension = dot > 0 ? visible.slice(dot + 1).toLowerCase() : '';
  const suffix = type.accepted.includes(extension) ? extension : type.canonical;
  return `${stem.slice(0, MAX_LENGTH - suffix.length - 1)}.${suffix}`;
}
