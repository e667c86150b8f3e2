import type { IDirEntry, IFileSystem } from '../../src/snapshot/types.js';

/**
 * An in-memory file system for engine tests: `files` maps paths to sizes;
 * folders are implied. `unreadable` folders reject their listing.
 */
export class MemoryFileSystem implements IFileSystem {
  listed: string[] = [];
  private dirs = new Map<string, Map<string, IDirEntry>>();

  constructor(
    files: Record<string, number | string>,
    private unreadable: string[] = []
  ) {
    this.dirs.set('', new Map());
    for (const [path, content] of Object.entries(files)) {
      const parts = path.split('/');
      let dir = '';
      for (let i = 0; i < parts.length - 1; i++) {
        const child = dir === '' ? parts[i] : `${dir}/${parts[i]}`;
        if (!this.dirs.has(child)) {
          this.dirs.set(child, new Map());
          this.dirs.get(dir)!.set(parts[i], {
            name: parts[i],
            kind: 'dir',
            size: 0,
            id: child
          });
        }
        dir = child;
      }
      const name = parts[parts.length - 1];
      const size = typeof content === 'number' ? content : content.length;
      this.dirs.get(dir)!.set(name, { name, kind: 'file', size });
      this.contents.set(path, typeof content === 'string' ? content : '');
    }
  }

  private contents = new Map<string, string>();

  /** Add an entry as an adapter would report it (links, errors). */
  addEntry(dir: string, entry: IDirEntry) {
    this.dirs.get(dir)!.set(entry.name, entry);
  }

  async list(path: string): Promise<IDirEntry[]> {
    this.listed.push(path);
    if (this.unreadable.includes(path)) {
      throw new Error('permission denied');
    }
    const d = this.dirs.get(path);
    if (!d) {
      throw new Error(`no such folder: ${path}`);
    }
    return [...d.values()];
  }

  async read(path: string): Promise<Uint8Array> {
    const c = this.contents.get(path);
    if (c === undefined) {
      throw new Error(`no such file: ${path}`);
    }
    return new TextEncoder().encode(c);
  }
}
