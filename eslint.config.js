// Lint: typescript-eslint's recommended rules without type information (fast), plus the
// dependency direction of src/ (see ../shared/STYLE.md §1) as no-restricted-imports.
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'var/**', 'src/rego/wasm/runtime/assembly/**', 'src/rego/wasm/runtime/build/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(['src/rego/**'], ['**/server/**', '**/sandbox/**', '**/jobs/**', '**/capabilities/**', '**/policy/**', '**/config/**', '**/cli/**', '**/journal/**', '**/store/**', '**/daemon*'], 'src/rego is a pure library: it imports nothing from the daemon'),
  layer(['src/errors/**', 'src/log/**', 'src/protocol/**'], ['**/server/**', '**/sandbox/**', '**/jobs/**', '**/capabilities/**', '**/policy/**', '**/cli/**', '**/journal/**', '**/store/**'], 'errors, log and protocol sit at the bottom'),
  layer(['src/sandbox/**'], ['**/server/**', '**/jobs/**', '**/cli/**'], 'the sandbox knows nothing of the server'),
  layer(['src/server/**'], ['**/sandbox/host/**', '**/sandbox/guest/**', '**/cli/**'], 'the server reaches the sandbox only through jobs'),
);
