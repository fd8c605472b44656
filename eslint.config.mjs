// Lint rules, including the layer rule of DESIGN.md: src/core is pure (no vscode, DOM or onnxruntime),
// src/protocol imports only src/core, webview/ never imports vscode or the host/model layers, the
// extension host never reaches the engine's insides (it talks to the engine process), only the
// adapter src/model/onnx/runtime.ts makes ONNX Runtime values, and no import cycles anywhere.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const restrict = (patterns, message, allowTypeImports = false) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message, allowTypeImports }] }],
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
    ignores: ['src/model/onnx/runtime.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'onnxruntime-node', allowTypeImports: true, message: 'Only src/model/onnx/runtime.ts makes ONNX Runtime values; import its types, or its helpers.' }],
        patterns: [{ group: ['vscode', '**/extension/**', '**/cli/**', '**/webview/**'], message: 'src/model must not depend on VS Code or the front ends.' }],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: restrict(['vscode', '**/extension/**', '**/webview/**'], 'The CLI must run without VS Code.'),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict(['onnxruntime-node', 'onnxruntime-*', '**/webview/**', '**/model/service/**', '**/model/run/**', '**/model/compare/**', '**/model/onnx/**', '**/model/geometry/**', '**/model/client/openModel'],
      'The extension host never loads ONNX Runtime: it talks to the engine process (src/model/client/engineProcess.ts).'),
  },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['webview/**/*.ts'],
    rules: restrict(['vscode', 'onnxruntime-node', 'onnxruntime-*', '**/src/model/**', '**/src/extension/**', '**/src/cli/**', 'node:*', 'fs', 'path'],
      'webview/ imports only src/protocol and src/core.'),
  },
);
