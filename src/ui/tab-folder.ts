import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import type { VirtualElement } from '@lumino/virtualdom';
import { visibleName } from '../snapshot/format.js';

const FOLDER_CLASS = 'jp-SnapshotGuard-tabFolder';

/**
 * Mark a document's tab with its folder's name, so a copy beside its
 * original's tab of the same name can be told apart: the tab reads
 * `train-job/ train.ipynb`. The name is drawn by the title's icon renderer,
 * after the icon: the label itself cannot carry it (a document tab renames
 * its file when its label changes), and the tab's pseudo-elements are
 * JupyterLab's own.
 */
export function markTabWithFolder(widget: IDocumentWidget): void {
  const original = widget.title.icon;
  if (typeof original === 'string' || !original) {
    return;
  }
  const update = () => {
    const folder = PathExt.basename(PathExt.dirname(widget.context.path));
    const mark = folder === '' ? '' : `${visibleName(folder)}/`;
    widget.title.icon = mark === '' ? original : withFolder(original, mark);
  };
  update();
  widget.context.pathChanged.connect(update);
}

/** The icon, then the folder's name in a span. */
function withFolder(
  icon: VirtualElement.IRenderer,
  mark: string
): VirtualElement.IRenderer {
  return {
    render: (host, options) => {
      icon.render(host, options);
      // Rendered again on each update of the tab, without an unrender.
      host.querySelector(`.${FOLDER_CLASS}`)?.remove();
      const span = document.createElement('span');
      span.className = FOLDER_CLASS;
      span.textContent = mark;
      host.appendChild(span);
      host.classList.add('jp-mod-snapshotGuardFolder');
    },
    unrender: (host, options) => {
      host.querySelector(`.${FOLDER_CLASS}`)?.remove();
      host.classList.remove('jp-mod-snapshotGuardFolder');
      icon.unrender?.(host, options);
    }
  };
}
