// One lint configuration for the workspace. Rules that encode the project's style live here
// so they hold everywhere: no floats near money, env read only in env modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/gen/**', '**/node_modules/**', '**/.data/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-globals': ['error', { name: 'parseFloat', message: 'Money never passes through a float.' }],
      'no-restricted-properties': ['error',
        { object: 'Number', property: 'parseFloat', message: 'Money never passes through a float.' }],
    },
  },
  {
    files: ['**/src/**/*.ts'],
    ignores: ['**/env.ts', '**/devstack/**', '**/bench/**', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.name='process'][property.name='env']",
        message: 'Read configuration in the env module only.',
      }],
    },
  },
);
