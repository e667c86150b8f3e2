import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import { visibleName } from '../snapshot/format.js';

/**
 * Mark a document's tab with its folder's name (`train-job/`), so a copy
 * beside its original's tab of the same name can be told apart; the
 * stylesheet shows the mark after the name. Not the label itself: a
 * document tab renames its file when its label changes.
 */
const KEY = 'snapshot-guard-folder';

export function markTabWithFolder(widget: IDocumentWidget): void {
  const update = () => {
    // Lumino writes each key as `data-<key>` as it is: kebab case here.
    const rest = { ...widget.title.dataset };
    delete rest[KEY];
    const folder = PathExt.basename(PathExt.dirname(widget.context.path));
    widget.title.dataset =
      folder === '' ? rest : { ...rest, [KEY]: `${visibleName(folder)}/` };
  };
  update();
  widget.context.pathChanged.connect(update);
}
