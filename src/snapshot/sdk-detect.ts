/**
 * Profile `auto`: which SDK submits this code? Told from the imports of the
 * notebook and of the folder's code (`azureml.core` is v1, `azure.ai.ml` is
 * v2), then from which packages the kernel's Python has installed. When
 * that leaves it open, v1, the strict one, and the reason says so.
 */
import type { Sdk } from './types.js';

export interface ICodeSource {
  /** Root-relative path, for the reason. */
  path: string;
  /** Python source, or a notebook's JSON. */
  text: string;
}

export interface IInstalledSdks {
  /** `azureml-core` is importable. */
  v1: boolean;
  /** `azure-ai-ml` is importable. */
  v2: boolean;
}

export interface ISdkChoice {
  sdk: Sdk;
  reason: string;
}

const V1_IMPORT =
  /^[ \t]*(?:from[ \t]+azureml\.core\b|from[ \t]+azureml[ \t]+import[ \t]+core\b|import[ \t]+azureml\.core\b)/m;
const V2_IMPORT =
  /^[ \t]*(?:from[ \t]+azure\.ai\.ml\b|from[ \t]+azure\.ai[ \t]+import[ \t]+ml\b|import[ \t]+azure\.ai\.ml\b)/m;

/** Which SDKs one file imports. */
export function importsOf(source: ICodeSource): { v1: boolean; v2: boolean } {
  const code = source.path.endsWith('.ipynb')
    ? notebookCode(source.text)
    : source.text;
  return { v1: V1_IMPORT.test(code), v2: V2_IMPORT.test(code) };
}

/** The code cells of a notebook, or the raw text when it is not JSON. */
function notebookCode(text: string): string {
  try {
    const nb = JSON.parse(text) as {
      cells?: Array<{ cell_type?: string; source?: string | string[] }>;
    };
    return (nb.cells ?? [])
      .filter(c => c.cell_type === 'code')
      .map(c =>
        Array.isArray(c.source) ? c.source.join('') : (c.source ?? '')
      )
      .join('\n');
  } catch {
    return text;
  }
}

/**
 * Decide the SDK: the notebook's own imports first, then the folder's other
 * code, then the installed packages.
 */
export function detectSdk(
  notebook: ICodeSource | null,
  folder: readonly ICodeSource[],
  installed: IInstalledSdks | null = null
): ISdkChoice {
  const clear = (hits: { v1: boolean; v2: boolean }) =>
    hits.v1 !== hits.v2 ? (hits.v1 ? 'v1' : 'v2') : null;
  const name = (sdk: Sdk) => (sdk === 'v1' ? 'azureml.core' : 'azure.ai.ml');
  if (notebook) {
    const sdk = clear(importsOf(notebook));
    if (sdk) {
      return { sdk, reason: `${notebook.path} imports ${name(sdk)}` };
    }
  }
  const v1: string[] = [];
  const v2: string[] = [];
  for (const f of folder) {
    const hits = importsOf(f);
    if (hits.v1) {
      v1.push(f.path);
    }
    if (hits.v2) {
      v2.push(f.path);
    }
  }
  const some = (paths: string[]) =>
    paths.slice(0, 2).join(', ') + (paths.length > 2 ? ', …' : '');
  if (v1.length > 0 && v2.length === 0) {
    return {
      sdk: 'v1',
      reason: `${some(v1)} import${v1.length === 1 ? 's' : ''} azureml.core`
    };
  }
  if (v2.length > 0 && v1.length === 0) {
    return {
      sdk: 'v2',
      reason: `${some(v2)} import${v2.length === 1 ? 's' : ''} azure.ai.ml`
    };
  }
  if (v1.length > 0) {
    return {
      sdk: 'v1',
      reason: `the code imports both azureml.core (${some(v1)}) and azure.ai.ml (${some(v2)}); checking with azureml-core, the strict one`
    };
  }
  if (installed && installed.v1 !== installed.v2) {
    return installed.v1
      ? {
          sdk: 'v1',
          reason:
            'no SDK import found; the kernel has azureml-core installed (not azure-ai-ml)'
        }
      : {
          sdk: 'v2',
          reason:
            'no SDK import found; the kernel has azure-ai-ml installed (not azureml-core)'
        };
  }
  return {
    sdk: 'v1',
    reason:
      'no azureml.core or azure.ai.ml import found' +
      (installed?.v1 ? ' and the kernel has both SDKs installed' : '') +
      '; checking with azureml-core, the strict one (choose a profile to change it)'
  };
}

/** The reason for an explicit profile. */
export function chosenReason(profile: string): string {
  return `profile ${profile} chosen in the settings`;
}
