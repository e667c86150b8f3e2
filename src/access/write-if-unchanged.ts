/**
 * The one protocol for writing a user's file (`.amlignore`) that the helper
 * kernel, the Contents API fallback and the CLI each implement: replace the
 * file only if it still holds what the check read, compared again just
 * before the new content lands; readers see the old file or the new one.
 */

/** `changed`: the file is not what the caller saw; nothing was written. */
export type WriteOutcome = 'written' | 'changed';

/** Why a write was refused; nothing was written in any case. */
export type WriteRefusal =
  /** The path is a symbolic link: replacing it would cut the link. */
  | 'link'
  /** The path is a folder, FIFO, device or socket. */
  | 'not-a-file'
  /** The path resolves (through a link) to a place outside the root. */
  | 'outside'
  /** The operating system refused: permission denied. */
  | 'permission'
  /** This access cannot write such a file (the server hides dotfiles). */
  | 'unsupported'
  /** Any other failure: the message says what. */
  | 'failed';

export class WriteRefusedError extends Error {
  constructor(
    readonly reason: WriteRefusal,
    message: string,
    readonly path: string
  ) {
    super(message);
    this.name = 'WriteRefusedError';
  }
}

export interface IWriteIfUnchanged {
  /**
   * Write `text` (as UTF-8) to `path`, only if the file still holds
   * `expected` (null: it must not exist). Resolves `changed` when it does
   * not, `written` when the new content is in place; rejects with a
   * `WriteRefusedError` when the write is refused (nothing was written).
   * Any other rejection leaves the outcome unknown (the writer died on the
   * way): the caller reads the file back to say what is there.
   */
  writeIfUnchanged(
    path: string,
    text: string,
    expected: string | null
  ): Promise<WriteOutcome>;
}
