/**
 * The JupyterLab command target: hands the checked notebook to any
 * command, such as jupyter-scheduler's `scheduling:create-from-notebook`.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import type { ISubmitTarget } from '../tokens.js';
import { SubmitError } from './errors.js';
import type { SubmitSettings } from './settings.js';
import { errorMessage } from '../snapshot/errors.js';

export const COMMAND_TARGET = 'command';

export interface ICommandTargetOptions {
  commands: CommandRegistry;
  settings: SubmitSettings;
  /** Open the notebook and make it the current widget. */
  activate(path: string): Promise<void>;
  trans: TranslationBundle;
}

export function commandTarget(options: ICommandTargetOptions): ISubmitTarget {
  const { commands, settings, trans } = options;
  return {
    id: COMMAND_TARGET,
    label: trans.__('JupyterLab command'),
    describe: () =>
      trans.__(
        'Runs a JupyterLab command with the arguments {path, folder}: the notebook and its checked folder. The notebook is made the current tab first.'
      ),
    fields: () => [
      {
        id: 'command',
        label: trans.__('Command id'),
        default: settings.commandTargetId,
        placeholder: 'scheduling:create-from-notebook',
        required: true,
        code: true
      }
    ],
    validate: values => {
      if (!values.command) {
        return trans.__('Enter the id of a JupyterLab command.');
      }
      if (!commands.hasCommand(values.command)) {
        return trans.__(
          'This JupyterLab has no command %1: is the extension that provides it installed?',
          values.command
        );
      }
      return null;
    },
    submit: async context => {
      const id = context.values.command;
      if (!commands.hasCommand(id)) {
        throw new SubmitError(
          trans.__('This JupyterLab has no command %1.', id),
          { title: trans.__('Command not run') }
        );
      }
      try {
        await options.activate(context.path);
        await commands.execute(id, {
          path: context.path,
          folder: context.folder
        });
      } catch (err) {
        throw new SubmitError(
          trans.__('The command %1 failed: %2', id, errorMessage(err)),
          { title: trans.__('Command failed'), cause: err }
        );
      }
    }
  };
}
