/**
 * Tells a notebook the user changed apart from one that only took the
 * kernel's metadata. JupyterLab writes the running kernel's `kernelspec` and
 * `language_info` into the notebook model when the kernel connects, which
 * marks it modified although nothing the user wrote changed.
 */
import { JSONExt, type PartialJSONValue } from '@lumino/coreutils';

/** Notebook metadata JupyterLab sets from the kernel on its own. */
const KERNEL_KEYS = ['kernelspec', 'language_info'];

/**
 * True when `current` (the model) differs from `saved` (the file as read
 * from disk) in nothing but the kernel's metadata. Anything it cannot read
 * counts as a change, so a doubt never hides a user's edit.
 */
export function onlyKernelMetadataChanged(
  saved: unknown,
  current: unknown
): boolean {
  const a = comparable(saved);
  const b = comparable(current);
  return a !== null && b !== null && JSONExt.deepEqual(a, b);
}

/**
 * The notebook without kernel metadata and trust flags, multiline strings
 * joined.
 */
function comparable(nb: unknown): PartialJSONValue | null {
  if (!isObject(nb) || !Array.isArray(nb.cells) || !isObject(nb.metadata)) {
    return null;
  }
  const metadata = { ...nb.metadata };
  for (const key of KERNEL_KEYS) {
    delete metadata[key];
  }
  const cells = nb.cells.map(cell => {
    if (!isObject(cell)) {
      return cell;
    }
    const out: Record<string, any> = {
      ...cell,
      source: joined(cell.source)
    };
    if (isObject(cell.metadata)) {
      // The model's trust flag; the server does not store it.
      const metadata = { ...cell.metadata };
      delete metadata.trusted;
      out.metadata = metadata;
    }
    if (Array.isArray(cell.outputs)) {
      out.outputs = cell.outputs.map(output);
    }
    return out;
  });
  return { ...nb, metadata, cells } as PartialJSONValue;
}

function output(o: unknown): unknown {
  if (!isObject(o)) {
    return o;
  }
  const out: Record<string, any> = { ...o };
  if ('text' in o) {
    out.text = joined(o.text);
  }
  if (isObject(o.data)) {
    const data: Record<string, unknown> = {};
    for (const [mime, value] of Object.entries(o.data)) {
      // JSON mimetypes hold JSON values; the others nbformat's multiline strings.
      data[mime] = /json$/.test(mime) ? value : joined(value);
    }
    out.data = data;
  }
  return out;
}

/** nbformat's multiline string: a string or a list of lines. */
function joined(value: unknown): unknown {
  return Array.isArray(value) && value.every(v => typeof v === 'string')
    ? value.join('')
    : value;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
