import type { Contents } from '@jupyterlab/services';
import { scanFolder, type IScan } from '../snapshot/scan.js';
import type { IDirEntry, IFileSystem } from '../snapshot/types.js';
import {
  INCOMPLETE_MARKER as MARKER,
  type ICopyPair,
  type IFolderAccess,
  type IIncompleteCopy,
  type IRemoveReport,
  type IScanOptions
} from '../access/folder-access.js';
import {
  WriteRefusedError,
  type WriteOutcome
} from '../access/write-if-unchanged.js';
import { baseName, joinPath, parentOf } from '../snapshot/paths.js';
import { walk } from '../snapshot/walk.js';

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
    const model = await this.contents.get(joinPath(this.root, path), {
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
    const model = await this.contents.get(joinPath(this.root, path), {
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

  scan(folder: string, options: IScanOptions): Promise<IScan> {
    const { onProgress, signal, lowerBound } = options;
    let seen = 0;
    return scanFolder(new ContentsFileSystem(this.contents, folder), {
      signal,
      onProgress: n => {
        seen = n;
        onProgress?.(n);
      },
      ...(lowerBound
        ? {
            lowerBound: {
              sdk: lowerBound,
              onCounted: counted => onProgress?.(seen, counted)
            }
          }
        : {})
    });
  }

  /**
   * The Contents API has no conditional or atomic replace: the content is
   * compared just before the save, and the server's own atomic_writing
   * (on by default) keeps the old bytes if the save fails midway. By
   * default the server shows no dotfiles and refuses to write them
   * (`unsupported`); with `allow_hidden` it does. It does not show links,
   * so a link cannot be told from a file here (the server's policy on
   * links applies).
   */
  async writeIfUnchanged(
    path: string,
    text: string,
    expected: string | null
  ): Promise<WriteOutcome> {
    const unchanged = async () => {
      const listed = (await this.names(parentOf(path))).get(baseName(path));
      if (listed !== undefined && listed !== 'file') {
        throw new WriteRefusedError(
          'not-a-file',
          `${path} is not a regular file; nothing was written`,
          path
        );
      }
      if (expected === null ? listed !== undefined : listed === undefined) {
        return false;
      }
      return expected === null || (await this.readText(path)) === expected;
    };
    if (!(await unchanged())) {
      return 'changed';
    }
    // Again just before the save: the server writes at once, with no
    // temporary file of ours in between.
    if (!(await unchanged())) {
      return 'changed';
    }
    try {
      if (expected === null) {
        // A new file: saved under a temporary name, then renamed, which the
        // server refuses (409) if the name was taken meanwhile: no clobber,
        // and no reader ever sees it half written.
        const base = baseName(path);
        const tmp = joinPath(
          parentOf(path),
          `${base.startsWith('.') ? '.' : ''}sg-tmp-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.part`
        );
        await this.contents.save(tmp, {
          type: 'file',
          format: 'text',
          content: text
        });
        try {
          await this.contents.rename(tmp, path);
        } catch {
          await this.contents.delete(tmp).catch(() => undefined);
          return 'changed';
        }
        return 'written';
      }
      // The Contents API cannot replace a file atomically (rename refuses
      // an existing name): the server writes in place, keeping a backup it
      // puts back if the write fails (jupyter_server's atomic_writing).
      await this.contents.save(path, {
        type: 'file',
        format: 'text',
        content: text
      });
      return 'written';
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response
        ?.status;
      throw new WriteRefusedError(
        status === 403 || status === 404 || status === 400
          ? 'unsupported'
          : 'failed',
        `${path} could not be saved through the Jupyter server: ${(err as Error).message}`,
        path
      );
    }
  }

  async makeUniqueFolder(parent: string, base: string): Promise<string> {
    // Names taken are read from one listing rather than probed one by one
    // (each miss a 404 in the browser console).
    const taken = new Set((await this.names(parent)).keys());
    for (let i = 1; i < 1000; i++) {
      const name = i === 1 ? base : `${base}-${i}`;
      if (taken.has(name)) {
        continue;
      }
      const path = joinPath(parent, name);
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

  async removeCreated(paths: string[]): Promise<IRemoveReport> {
    const files = paths.filter(p => !p.endsWith('/'));
    const dirs = paths.filter(p => p.endsWith('/')).map(p => p.slice(0, -1));
    const kept: IRemoveReport['kept'] = [];
    for (const p of files) {
      try {
        await this.contents.delete(p);
      } catch {
        // already gone
      }
    }
    const left: string[] = [];
    for (const d of dirs.sort((a, b) => b.length - a.length)) {
      // The server deletes a folder with everything in it: only an empty
      // one is removed, so a file the user added meanwhile is never lost.
      let inside: string[];
      try {
        inside = [...(await this.names(d)).keys()];
      } catch {
        continue;
      }
      if (inside.length > 0) {
        kept.push({ path: d, reason: 'not empty' });
        left.push(...inside.map(n => `${d}/${n}`));
        continue;
      }
      await this.contents.delete(d).catch(() => undefined);
    }
    return { kept, left };
  }

  async findIncomplete(folder: string): Promise<IIncompleteCopy[]> {
    const found: IIncompleteCopy[] = [];
    const names = await this.names(folder);
    const candidates = [
      folder,
      ...[...names]
        .filter(([, type]) => type === 'directory')
        .map(([n]) => joinPath(folder, n))
    ];
    for (const dir of candidates) {
      const here = dir === folder ? names : await this.names(dir);
      if (here.get(MARKER) === 'file') {
        const w = await walk(new ContentsFileSystem(this.contents, dir));
        found.push({
          folder: dir,
          files: w.files.length,
          bytes: w.files.reduce((n, f) => n + f.size, 0)
        });
      }
    }
    return found;
  }

  async discardIncomplete(folder: string): Promise<IRemoveReport> {
    // The journal names files by device and inode, which only the helper
    // kernel can compare: removing by name could delete the user's file.
    throw new WriteRefusedError(
      'unsupported',
      `The interrupted copy in ${folder} can be removed only through the helper kernel; delete the folder yourself if nothing in it is yours.`,
      folder
    );
  }

  async readText(path: string): Promise<string> {
    const model = await this.contents.get(path, {
      content: true,
      format: 'text',
      type: 'file'
    });
    return model.content as string;
  }

  /** Names in a folder, as the server lists them, with their types. */
  private async names(folder: string): Promise<Map<string, string>> {
    const model = await this.contents.get(folder, {
      content: true,
      type: 'directory'
    });
    return new Map(
      (model.content as Contents.IModel[]).map(m => [m.name, m.type])
    );
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
