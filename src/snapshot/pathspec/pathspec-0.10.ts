import type { IPathspecDialect } from './dialect.js';

/**
 * azure-ai-ml's vendored copy of pathspec 0.10.1
 * (sdk/ml/azure-ai-ml/azure/ai/ml/_utils/_pathspec.py, Azure/azure-sdk-for-python
 * 069499f9195441beec059f397acafe0caee0fe51). `_translate_segment_glob` only
 * treats `!` as a negation and escapes a leading `^` (`expr += "\\^"`), and
 * `pattern_to_regex` strips every line on both sides, so `foo\ ` ends in a
 * lone backslash and raises `GitWildMatchPatternError`. A lone `**` is
 * `.+`, which (Python's `.`) does not match a name holding a newline.
 */
export const PATHSPEC_0_10: IPathspecDialect = {
  sdk: 'v2',
  sdkName: 'azure-ai-ml',
  caretNegates: false,
  loneDoubleStarDot: true,
  keepsEscapedTrailingSpace: false
};
