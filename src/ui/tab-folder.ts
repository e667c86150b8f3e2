import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import { visibleName } from '../snapshot/format.js';

/**
 * Mark a document's tab with its folder's name (`train-job/`), so a copy
 * beside its original's tab of the same name can be told apart; the
 * stylesheet shows the mark after the name. Not the label itself: a
 * document tab renames its file when its label changes.
 */
export function markTabWithFolder(widget: IDocumentWidget): void {
  const update = () => {
    const rest = { ...widget.title.dataset };
    delete rest.snapshotGuardFolder;
    const folder = PathExt.basename(PathExt.dirname(widget.context.path));
    widget.title.dataset =
      folder === ''
        ? rest
        : { ...rest, snapshotGuardFolder: `${visibleName(folder)}/` };
  };
  update();
  widget.context.pathChanged.connect(update);
}
