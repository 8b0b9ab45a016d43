// Constants esbuild's `define` writes into the page bundles (esbuild.mjs).

/** True in the builds test/webview and the e2e .vsix load: pages then expose `window.labbook*` test hooks. */
declare const LABBOOK_TEST_HOOKS: boolean;
