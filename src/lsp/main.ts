// Entry of dist/lsp.js: the language server on the transport its command line names (the VS Code language
// client passes --node-ipc; other editors run `labbook lsp --stdio`).
import { serveProcess } from './server';

serveProcess();
