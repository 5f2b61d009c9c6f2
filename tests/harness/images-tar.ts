/**
 * A minimal ustar writer for image layers: directories, regular files and symbolic links, owned by root, with a
 * fixed mtime so that the same content always makes the same layer digest. Pure.
 */

export type TarEntry =
  | { type: 'dir'; path: string; mode?: number | undefined }
  | { type: 'file'; path: string; data: Buffer; mode?: number | undefined }
  | { type: 'symlink'; path: string; target: string };

const block = 512;
// 2000-01-01: any constant works; zero upsets some extractors' "timestamp in the future/past" heuristics.
const fixedMtime = 946_684_800;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function writeString(header: Buffer, text: string, offset: number, width: number): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > width) throw new Error(`tar field too long: ${text}`);
  bytes.copy(header, offset);
}

function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  const cut = path.lastIndexOf('/', 155);
  if (cut <= 0 || Buffer.byteLength(path.slice(cut + 1)) > 100) throw new Error(`tar path too long: ${path}`);
  return { name: path.slice(cut + 1), prefix: path.slice(0, cut) };
}

function header(entry: TarEntry, size: number): Buffer {
  const out = Buffer.alloc(block);
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const { name, prefix } = splitName(path);
  const defaultMode = entry.type === 'file' ? 0o644 : entry.type === 'dir' ? 0o755 : 0o777;
  const mode = entry.type === 'symlink' ? 0o777 : (entry.mode ?? defaultMode);
  writeString(out, name, 0, 100);
  writeString(out, octal(mode, 8), 100, 8);
  writeString(out, octal(0, 8), 108, 8);
  writeString(out, octal(0, 8), 116, 8);
  writeString(out, octal(size, 12), 124, 12);
  writeString(out, octal(fixedMtime, 12), 136, 12);
  out.fill(' ', 148, 156);
  writeString(out, entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2', 156, 1);
  if (entry.type === 'symlink') writeString(out, entry.target, 157, 100);
  writeString(out, 'ustar\0', 257, 6);
  writeString(out, '00', 263, 2);
  writeString(out, 'root', 265, 32);
  writeString(out, 'root', 297, 32);
  writeString(out, prefix, 345, 155);
  let sum = 0;
  for (const byte of out) sum += byte;
  writeString(out, `${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return out;
}

/** The uncompressed tar archive of `entries`, in the order given, closed by two zero blocks. */
export function createTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === 'file' ? entry.data : Buffer.alloc(0);
    parts.push(header(entry, data.length));
    if (data.length > 0) {
      parts.push(data);
      const padding = (block - (data.length % block)) % block;
      if (padding > 0) parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(block * 2));
  return Buffer.concat(parts);
}
