import type { Contents } from '@jupyterlab/services';
import { scanFolder, type IScan } from '../snapshot/scan.js';
import type { IDirEntry, IFileSystem } from '../snapshot/types.js';
import type { ICopyPair, IFolderAccess } from '../guard/folder-access.js';

function join(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}/${b}`;
}

/**
 * The engine's file-system interface over the Jupyter Contents API: one
 * request per folder. The server hides dotfiles from it, so `.git/` and
 * `.amlignore` are invisible here; the access below says so.
 */
export class ContentsFileSystem implements IFileSystem {
  constructor(
    private contents: Contents.IManager,
    private root: string
  ) {}

  async list(path: string): Promise<IDirEntry[]> {
    const model = await this.contents.get(join(this.root, path), {
      content: true,
      type: 'directory'
    });
    return (model.content as Contents.IModel[]).map(item =>
      item.type === 'directory'
        ? { name: item.name, kind: 'dir', size: 0 }
        : {
            name: item.name,
            kind: 'file',
            size: item.size ?? 0,
            mtime: Date.parse(item.last_modified)
          }
    );
  }

  async read(path: string): Promise<Uint8Array> {
    const model = await this.contents.get(join(this.root, path), {
      content: true,
      type: 'file',
      format: 'text'
    });
    return new TextEncoder().encode(model.content as string);
  }
}

export class ContentsAccess implements IFolderAccess {
  readonly kind = 'contents';

  constructor(
    private contents: Contents.IManager,
    readonly caveat: string
  ) {}

  scan(
    folder: string,
    options: { onProgress?(n: number): void; signal?: AbortSignal }
  ): Promise<IScan> {
    return scanFolder(new ContentsFileSystem(this.contents, folder), options);
  }

  async writeAmlignore(
    folder: string,
    text: string,
    expected: string | null
  ): Promise<'written' | 'changed' | 'unsupported'> {
    const path = join(folder, '.amlignore');
    // Compare with what is there now, as far as the server shows it. By
    // default it shows no dotfiles (and refuses to write them, below); with
    // `allow_hidden` it does, and an .amlignore the scan read is appended to.
    const listed = (await this.names(folder)).has('.amlignore');
    if (expected === null ? listed : !listed) {
      return 'changed';
    }
    if (expected !== null && (await this.readText(path)) !== expected) {
      return 'changed';
    }
    try {
      await this.contents.save(path, {
        type: 'file',
        format: 'text',
        content: text
      });
      return 'written';
    } catch {
      return 'unsupported';
    }
  }

  async makeUniqueFolder(parent: string, base: string): Promise<string> {
    // Names taken are read from one listing rather than probed one by one
    // (each miss a 404 in the browser console).
    const taken = await this.names(parent);
    for (let i = 1; i < 1000; i++) {
      const name = i === 1 ? base : `${base}-${i}`;
      if (taken.has(name)) {
        continue;
      }
      const path = join(parent, name);
      const made = await this.contents.newUntitled({
        path: parent,
        type: 'directory'
      });
      try {
        await this.contents.rename(made.path, path);
        return path;
      } catch {
        // Taken meanwhile: try the next name.
        taken.add(name);
        await this.contents.delete(made.path).catch(() => undefined);
      }
    }
    throw new Error(
      `No free folder name like ${base} in ${parent || 'the root'}`
    );
  }

  async copyFiles(pairs: ICopyPair[]): Promise<void> {
    for (const { from, to } of pairs) {
      const dir = to.slice(0, to.lastIndexOf('/'));
      await this.ensureFolder(dir);
      const copied = await this.contents.copy(from, dir);
      if (copied.path !== to) {
        await this.contents.rename(copied.path, to);
      }
    }
  }

  async removeCreated(paths: string[]): Promise<void> {
    const files = paths.filter(p => !p.endsWith('/'));
    const dirs = paths.filter(p => p.endsWith('/')).map(p => p.slice(0, -1));
    for (const p of [...files, ...dirs.sort((a, b) => b.length - a.length)]) {
      try {
        await this.contents.delete(p);
      } catch {
        // already gone
      }
    }
  }

  async readText(path: string): Promise<string> {
    const model = await this.contents.get(path, {
      content: true,
      format: 'text',
      type: 'file'
    });
    return model.content as string;
  }

  /** Names in a folder, as the server lists them. */
  private async names(folder: string): Promise<Set<string>> {
    const model = await this.contents.get(folder, {
      content: true,
      type: 'directory'
    });
    return new Set((model.content as Contents.IModel[]).map(m => m.name));
  }

  private async ensureFolder(dir: string): Promise<void> {
    const cut = dir.lastIndexOf('/');
    const parent = cut < 0 ? '' : dir.slice(0, cut);
    if (dir === '' || (await this.names(parent)).has(dir.slice(cut + 1))) {
      return;
    }
    // A missing parent makes the server answer 500: create it first.
    await this.ensureFolder(parent);
    const made = await this.contents.newUntitled({
      path: parent,
      type: 'directory'
    });
    await this.contents.rename(made.path, dir);
  }
}
