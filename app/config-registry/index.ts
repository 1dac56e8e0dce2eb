/** Config registry: artifacts in Git, validated, hashed, published as versions; consumers report back. */
export * from './artifacts.js';
export * from './canonical.js';
export * from './consumers.js';
export * from './diff.js';
export * from './errors.js';
export * from './json.js';
export * from './registry.js';
export * from './tokens.js';
export * from './files.js';
export * from './pr-comment.js';
export * from './heartbeat-client.js';
