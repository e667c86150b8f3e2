import type { Sdk } from '../types.js';

/** Where one pathspec version reads a line differently from another. */
export interface IPathspecDialect {
  sdk: Sdk;
  /** The SDK's name, for messages. */
  sdkName: string;
  /** `[^...]` negates like `[!...]` (else the `^` is a literal member). */
  caretNegates: boolean;
  /** A lone `**` compiles to `.+` (else `[^/]+(?:/.*)?`). */
  loneDoubleStarDot: boolean;
  /**
   * A line ending in `\ ` keeps its escaped trailing space (else the space is
   * stripped and the line ends in a lone `\`, which pathspec rejects).
   */
  keepsEscapedTrailingSpace: boolean;
}
