// Lint rules, including the layer rule of DESIGN.md: src/core is pure (no vscode, DOM or onnxruntime),
// webview/ never imports vscode or the host/model layers, only src/model touches onnxruntime.
import tseslint from 'typescript-eslint';

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.vscode-test/**', 'models/**', 'tools/**', 'test-artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict(
      ['vscode', 'onnxruntime-node', 'onnxruntime-*', '**/model/**', '**/extension/**', '**/cli/**', '**/webview/**', 'node:*', 'fs', 'path', 'worker_threads', 'child_process'],
      'src/core is pure TypeScript: no vscode, DOM, onnxruntime, Node I/O or outer layers.',
    ),
  },
  {
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: {} },
    rules: { 'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'HTMLElement'] },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: restrict(['vscode', 'onnxruntime-node', 'onnxruntime-*', '**/model/**', '**/extension/**', '**/cli/**', '**/webview/**'],
      'src/protocol holds message types only: it may import src/core, nothing else.'),
  },
  {
    files: ['src/model/**/*.ts'],
    rules: restrict(['vscode', '**/extension/**', '**/cli/**', '**/webview/**'],
      'src/model must not depend on VS Code or the front ends.'),
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(['vscode', '**/extension/**', '**/webview/**'], 'The CLI must run without VS Code.'),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict(['onnxruntime-node', 'onnxruntime-*', '**/webview/**'],
      'The extension host talks to onnxruntime only through the worker (src/model).'),
  },
  {
    files: ['webview/**/*.ts'],
    rules: restrict(['vscode', 'onnxruntime-node', 'onnxruntime-*', '**/src/model/**', '**/src/extension/**', '**/src/cli/**', 'node:*', 'fs', 'path'],
      'webview/ imports only src/protocol and src/core.'),
  },
);
