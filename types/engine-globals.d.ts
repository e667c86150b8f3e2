/**
 * The few globals the snapshot engine uses, which browsers and Node both
 * provide (WHATWG encoding and abort APIs). `src/snapshot/tsconfig.json`
 * compiles the engine against these alone, without DOM or Node types, so
 * nothing else from either can slip in.
 */
declare class TextDecoder {
  constructor(
    label?: string,
    options?: { fatal?: boolean; ignoreBOM?: boolean }
  );
  decode(input?: Uint8Array): string;
}

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(
    type: 'abort',
    listener: () => void,
    options?: { once?: boolean }
  ): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

declare class DOMException extends Error {
  constructor(message?: string, name?: string);
}
