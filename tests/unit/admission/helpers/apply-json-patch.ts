/** A tiny RFC 6902 applier (add, replace, remove, test) for checking the patches pullguard returns. */

interface Operation {
  op: string;
  path: string;
  value?: unknown;
}

export function applyJsonPatch<T>(document: T, operations: readonly Operation[]): T {
  let root: unknown = structuredClone(document);
  for (const operation of operations) {
    const tokens = parsePointer(operation.path);
    if (tokens.length === 0) {
      if (operation.op === 'test') assertEqual(root, operation.value, operation.path);
      else root = operation.value;
      continue;
    }
    const parent = walk(root, tokens.slice(0, -1), operation.path);
    const last = tokens[tokens.length - 1] as string;
    apply(parent, last, operation);
  }
  return root as T;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`bad pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function walk(root: unknown, tokens: readonly string[], pointer: string): unknown {
  let current = root;
  for (const token of tokens) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else throw new Error(`path ${pointer} does not exist`);
    if (current === undefined) throw new Error(`path ${pointer} does not exist`);
  }
  return current;
}

function apply(parent: unknown, key: string, operation: Operation): void {
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new Error(`bad index ${operation.path}`);
    if (operation.op === 'add') parent.splice(index, 0, operation.value);
    else if (operation.op === 'replace') parent[index] = operation.value;
    else if (operation.op === 'remove') parent.splice(index, 1);
    else if (operation.op === 'test') assertEqual(parent[index], operation.value, operation.path);
    else throw new Error(`unsupported op ${operation.op}`);
    return;
  }
  if (typeof parent !== 'object' || parent === null) throw new Error(`parent of ${operation.path} is not a container`);
  const object = parent as Record<string, unknown>;
  const exists = Object.hasOwn(object, key);
  switch (operation.op) {
    case 'add':
      object[key] = operation.value;
      return;
    case 'replace':
      if (!exists) throw new Error(`replace of missing ${operation.path}`);
      object[key] = operation.value;
      return;
    case 'remove':
      if (!exists) throw new Error(`remove of missing ${operation.path}`);
      delete object[key];
      return;
    case 'test':
      assertEqual(object[key], operation.value, operation.path);
      return;
    default:
      throw new Error(`unsupported op ${operation.op}`);
  }
}

function assertEqual(actual: unknown, expected: unknown, pointer: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`test failed at ${pointer}`);
}
