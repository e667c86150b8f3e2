import { LabIcon } from '@jupyterlab/ui-components';

/** An upload arrow over a tray: "send this notebook off". */
export const submitIcon = new LabIcon({
  name: 'snapshot-guard:submit',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M11 16V7.8l-3.6 3.6L6 10l6-6 ' +
    '6 6-1.4 1.4L13 7.8V16h-2zm-7 4v-5h2v3h12v-3h2v5H4z"/></svg>'
});
