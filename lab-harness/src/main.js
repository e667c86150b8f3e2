// The application module: collects the bundled core plugins and the plugins of
// prebuilt extensions announced by the server, and starts JupyterLab.
import { JupyterLab } from '@jupyterlab/application';
import { JupyterPluginRegistry, PageConfig } from '@jupyterlab/coreutils';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services';

import '../build/style.js';

// Core extension packages bundled into this front-end. Keep in sync with
// `jupyterlab.extensions` in package.json (the build checks it).
const CORE_EXTENSIONS = {
  '@jupyterlab/application-extension': () =>
    import('@jupyterlab/application-extension'),
  '@jupyterlab/apputils-extension': () =>
    import('@jupyterlab/apputils-extension'),
  '@jupyterlab/codemirror-extension': () =>
    import('@jupyterlab/codemirror-extension'),
  '@jupyterlab/completer-extension': () =>
    import('@jupyterlab/completer-extension'),
  '@jupyterlab/docmanager-extension': () =>
    import('@jupyterlab/docmanager-extension'),
  '@jupyterlab/documentsearch-extension': () =>
    import('@jupyterlab/documentsearch-extension'),
  '@jupyterlab/filebrowser-extension': () =>
    import('@jupyterlab/filebrowser-extension'),
  '@jupyterlab/launcher-extension': () =>
    import('@jupyterlab/launcher-extension'),
  '@jupyterlab/mainmenu-extension': () =>
    import('@jupyterlab/mainmenu-extension'),
  '@jupyterlab/markedparser-extension': () =>
    import('@jupyterlab/markedparser-extension'),
  '@jupyterlab/notebook-extension': () =>
    import('@jupyterlab/notebook-extension'),
  '@jupyterlab/rendermime-extension': () =>
    import('@jupyterlab/rendermime-extension'),
  '@jupyterlab/services-extension': () =>
    import('@jupyterlab/services-extension'),
  '@jupyterlab/shortcuts-extension': () =>
    import('@jupyterlab/shortcuts-extension'),
  '@jupyterlab/statusbar-extension': () =>
    import('@jupyterlab/statusbar-extension'),
  '@jupyterlab/theme-light-extension': () =>
    import('@jupyterlab/theme-light-extension'),
  '@jupyterlab/tooltip-extension': () =>
    import('@jupyterlab/tooltip-extension'),
  '@jupyterlab/translation-extension': () =>
    import('@jupyterlab/translation-extension'),
  '@jupyterlab/ui-components-extension': () =>
    import('@jupyterlab/ui-components-extension')
};

// Plugins that need services a real server has but this one does not.
const SKIPPED_PLUGIN = /:(announcements|language-server)$/;

function pluginsOf(module) {
  const exported =
    module.__esModule || module.default ? module.default : module;
  return Array.isArray(exported) ? exported : [exported];
}

async function federatedModule(scope, name) {
  const factory = await window._JUPYTERLAB[scope].get(name);
  return factory();
}

/**
 * Drop plugins whose required services no remaining plugin provides (for
 * example notebook plugins that need the console or the LSP packages, which
 * are not bundled). Repeats until nothing changes.
 */
function withSatisfiedRequirements(plugins) {
  let kept = plugins;
  for (;;) {
    const provided = new Set(kept.map(p => p.provides).filter(Boolean));
    const next = kept.filter(p =>
      (p.requires || []).every(token => provided.has(token))
    );
    if (next.length === kept.length) {
      return { kept, dropped: plugins.filter(p => !kept.includes(p)) };
    }
    kept = next;
  }
}

export async function main() {
  const isDisabled = id => PageConfig.Extension.isDisabled(id);

  const candidates = [];
  const mimeExtensions = [];
  const core = await Promise.all(
    Object.values(CORE_EXTENSIONS).map(load => load())
  );
  for (const module of core) {
    candidates.push(...pluginsOf(module));
  }

  const federated = JSON.parse(PageConfig.getOption('federated_extensions'));
  for (const ext of federated) {
    try {
      if (ext.extension) {
        candidates.push(
          ...pluginsOf(await federatedModule(ext.name, ext.extension))
        );
      }
      if (ext.mimeExtension) {
        mimeExtensions.push(
          ...pluginsOf(await federatedModule(ext.name, ext.mimeExtension))
        );
      }
      if (ext.style && !isDisabled(ext.name)) {
        await federatedModule(ext.name, ext.style);
      }
    } catch (reason) {
      console.error(`Failed to load extension ${ext.name}`, reason);
    }
  }

  const enabled = candidates.filter(
    p => !SKIPPED_PLUGIN.test(p.id) && !isDisabled(p.id)
  );
  const { kept, dropped } = withSatisfiedRequirements(enabled);
  if (dropped.length) {
    console.info(
      'lab-harness: plugins left out (services not bundled):',
      dropped.map(p => p.id).join(', ')
    );
  }

  const pluginRegistry = new JupyterPluginRegistry();
  pluginRegistry.registerPlugins(kept);
  const connectionStatus =
    await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const serviceManager =
    await pluginRegistry.resolveRequiredService(IServiceManager);

  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    connectionStatus,
    mimeExtensions
  });
  // Tests inspect the application state (kernel status, commands, shell).
  window.jupyterapp = lab;
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
  document.body.dataset.labHarness = 'ready';
  console.info('lab-harness: JupyterLab started');
}
