/**
 * The snapshot engine: what Azure ML's SDKs upload and count, with no DOM
 * and no Node (its own tsconfig enforces that), so the browser, the CLI and
 * the tests share it. Heavier parts (advisor, packer) are imported from
 * their modules by the commands that need them.
 */
export * from './types.js';
export * from './limits.js';
export * from './format.js';
export * from './paths.js';
export * from './rules.js';
export * from './walk.js';
export * from './scan.js';
export * from './accounting.js';
export * from './sdk-model.js';
export * from './sdk-detect.js';
export * from './sdk-messages.js';
