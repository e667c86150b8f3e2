import type { IPathspecDialect } from './dialect.js';

/**
 * pathspec 0.12.1, what azureml-core's `pathspec<1.0.0` pin resolves to: the
 * SDK hands each raw line (newline included) to
 * `PathSpec.from_lines('gitwildmatch', ...)`. `[^...]` negates, and a line
 * ending in `\ ` keeps its escaped space (the strip spares it).
 */
export const PATHSPEC_0_12: IPathspecDialect = {
  sdk: 'v1',
  sdkName: 'azureml-core',
  caretNegates: true,
  loneDoubleStarDot: false,
  keepsEscapedTrailingSpace: true
};
