import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import { visibleName } from '../snapshot/format.js';

const KEY = 'snapshot-guard-folder';

/**
 * Mark a document's tab with its folder's name, so a copy beside its
 * original's tab of the same name can be told apart: the tab reads
 * `train-job/ train.ipynb`. The name goes into the title's icon label
 * (shown after the icon), not the label itself: a document tab renames its
 * file when its label changes. The data attribute is for the stylesheet.
 */
export function markTabWithFolder(widget: IDocumentWidget): void {
  const update = () => {
    // Lumino writes each key as `data-<key>` as it is: kebab case here.
    const dataset = { ...widget.title.dataset };
    delete dataset[KEY];
    const folder = PathExt.basename(PathExt.dirname(widget.context.path));
    const mark = folder === '' ? '' : `${visibleName(folder)}/`;
    if (mark !== '') {
      dataset[KEY] = mark;
    }
    widget.title.dataset = dataset;
    widget.title.iconLabel = mark;
  };
  update();
  widget.context.pathChanged.connect(update);
}
