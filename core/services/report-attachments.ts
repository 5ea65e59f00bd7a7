/**
 * Evidence files of reports on local disk: DATA_DIR/attachments/<first two hex digits>/<sha256>. Content-addressed,
 * so the same file uploaded twice is stored once and its name proves its integrity; written to a temporary file
 * and renamed into place, so a reader never sees half a file. Only allow-listed content types are accepted, and
 * for the binary ones the bytes must start like that type (a PDF claimed as `application/pdf` starts with `%PDF-`).
 *
 * Not shared between hosts: with several server processes on different machines, DATA_DIR/attachments must be a
 * shared volume (or this module replaced by GridFS / object storage behind the same two functions).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, ValidationError } from '../errors/app-error.js';

type Sniff = (b: Buffer) => boolean;

const startsWith = (...sigs: number[][]): Sniff => (b) => sigs.some((sig) => sig.every((v, i) => b[i] === v));
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** Text: no NUL byte in the first 8 KiB (binary files almost always have one). */
const text: Sniff = (b) => !b.subarray(0, 8192).includes(0);

/** Accepted content types and how their bytes must start. */
export const ATTACHMENT_TYPES: Readonly<Record<string, Sniff>> = {
  'application/pdf': startsWith(ascii('%PDF-')),
  'image/png': startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': startsWith([0xff, 0xd8, 0xff]),
  'image/gif': startsWith(ascii('GIF87a'), ascii('GIF89a')),
  'application/zip': startsWith([0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06]),
  'application/gzip': startsWith([0x1f, 0x8b]),
  'application/vnd.tcpdump.pcap': startsWith([0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x0a, 0x0d, 0x0d, 0x0a]),
  'text/plain': text,
  'text/csv': text,
  'application/json': text,
  'message/rfc822': text,
};

/** `text/plain; charset=utf-8` → `text/plain`. */
export function baseContentType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isAllowedContentType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(ATTACHMENT_TYPES, type);
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(type: string) {
    super(415, 'unsupported_media_type', `content type ${type || '(none)'} is not accepted`, {
      details: { accepted: Object.keys(ATTACHMENT_TYPES) },
    });
  }
}

/**
 * A safe display name from the X-Filename header (percent-encoded UTF-8 or plain ASCII): no directories, no
 * control characters or quotes, at most 200 characters; `attachment` when nothing is left.
 */
export function sanitizeFilename(raw: string | undefined): string {
  let name = raw ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // not percent-encoded: keep as is
  }
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(/[\u0000-\u001f\u007f"<>|*?:]/g, '').replace(/\s+/g, ' ').trim();
  name = name.replace(/^\.+/, '');
  if (name.length > 200) {
    const ext = path.extname(name).slice(0, 20);
    name = name.slice(0, 200 - ext.length) + ext;
  }
  return name || 'attachment';
}

export interface StoredFile {
  sha256: string;
  size: number;
}

export function createAttachmentFiles(opts: { dir: string }) {
  const root = path.resolve(opts.dir);
  const fileOf = (sha256: string) => {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ValidationError('invalid attachment digest');
    return path.join(root, sha256.slice(0, 2), sha256);
  };
  return {
    dir: root,
    /** Checks type and content, stores the bytes, returns their digest. */
    async save(bytes: Buffer, contentType: string): Promise<StoredFile> {
      const sniff = ATTACHMENT_TYPES[contentType];
      if (!sniff) throw new UnsupportedMediaTypeError(contentType);
      if (bytes.length === 0) throw new ValidationError('the attachment is empty');
      if (!sniff(bytes)) throw new ValidationError(`the file content does not match its content type ${contentType}`);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const target = fileOf(sha256);
      if (!fs.existsSync(target)) {
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        const tmp = `${target}.${randomUUID()}.tmp`;
        await fs.promises.writeFile(tmp, bytes, { mode: 0o640 });
        await fs.promises.rename(tmp, target);
      }
      return { sha256, size: bytes.length };
    },
    /** Path of a stored file; throws when it is missing (the metadata outlived the bytes). */
    pathOf(sha256: string): string {
      const file = fileOf(sha256);
      if (!fs.existsSync(file)) throw new AppError(500, 'attachment_missing', `attachment ${sha256} is missing on disk`, { isPublic: false });
      return file;
    },
  };
}

export type AttachmentFiles = ReturnType<typeof createAttachmentFiles>;
