// Entry point of the test front-end. It must not import any shared module
// statically: prebuilt (federated) extensions are loaded first so that
// webpack's share scope can pick one copy of every shared package, then the
// application module is imported.

function pageOption(name) {
  const el = document.getElementById('jupyter-config-data');
  const data = el ? JSON.parse(el.textContent || '{}') : {};
  return data[name] || '';
}

// Chunks and assets are served under the server's static URL.
// eslint-disable-next-line no-undef
__webpack_public_path__ = pageOption('fullStaticUrl') + '/';

function addScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.async = true;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`failed to load ${url}`));
    script.src = url;
    document.head.appendChild(script);
  });
}

async function initRemote(baseUrl, ext) {
  await addScript(`${baseUrl}/${ext.name}/${ext.load}`);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[ext.name];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

async function start() {
  const extensions = pageOption('federated_extensions') || [];
  const baseUrl = pageOption('fullLabextensionsUrl');
  const results = await Promise.allSettled(
    extensions.map(ext => initRemote(baseUrl, ext))
  );
  for (const r of results) {
    if (r.status === 'rejected') {
      console.error(r.reason);
    }
  }
  const { main } = await import('./main.js');
  if (document.readyState === 'complete') {
    await main();
  } else {
    window.addEventListener('load', () => void main());
  }
}

void start();
