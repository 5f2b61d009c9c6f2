import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../errors.ts';

/** Largest manifest file read: a generous bound for `kubectl get -o yaml` output of many objects. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`standard input is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of FILE, or of standard input for `-`; unreadable input is a usage error (exit 2). */
export async function readInput(file: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (file === '-') return readStdin(stdin);
  try {
    const text = await readFile(file, 'utf8');
    if (text.length > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
    return text;
  } catch (error) {
    throw new UsageError(`cannot read ${JSON.stringify(file)}: ${(error as Error).message}`);
  }
}

/**
 * Every object of a multi-document YAML or JSON text, with `List` kinds (`kubectl get -o yaml` output) flattened.
 * Empty documents are skipped; a document that does not parse is a usage error naming its position.
 */
export function parseObjects(text: string, source: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  const flatten = (value: unknown): void => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${source}: a document is not an object`);
    }
    const object = value as Record<string, unknown>;
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
      for (const item of object.items) flatten(item);
    } else objects.push(object);
  };
  parseAllDocuments(text).forEach((document, index) => {
    if (!('errors' in document) || document.errors.length > 0) {
      const first = 'errors' in document ? document.errors[0]?.message.split('\n')[0] : 'empty';
      throw new UsageError(`${source}: document ${index + 1} is not valid YAML/JSON: ${first}`);
    }
    flatten(document.toJS({ maxAliasCount: 100 }));
  });
  return objects;
}

export async function readObjects(file: string, stdin: NodeJS.ReadableStream): Promise<Record<string, unknown>[]> {
  return parseObjects(await readInput(file, stdin), file === '-' ? 'standard input' : file);
}
