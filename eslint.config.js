// Lint: typescript-eslint's type-aware recommended rules over src, test and bench. Every rule turned
// off or relaxed below says why; a disable comment in the code must say why too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ESLint itself has no rule that asks a disable comment for its reason (eslint-plugin-eslint-comments'
// require-description does; it is not a dependency, and this is all of it we need).
const local = {
  rules: {
    'disable-needs-reason': {
      meta: {
        type: 'suggestion',
        docs: { description: 'an eslint-disable comment says why after `--`' },
        messages: { missing: 'Say why after `--`: `eslint-disable-next-line <rule> -- <reason>`.' },
        schema: [],
      },
      create(context) {
        return {
          Program() {
            for (const comment of context.sourceCode.getAllComments()) {
              const text = comment.value.trim();
              if (/^eslint-disable(?:-next-line|-line)?(?:\s|$)/.test(text) && !/\s--\s*\S/.test(text)) {
                context.report({ loc: comment.loc, messageId: 'missing' });
              }
            }
          },
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/deploy/fixtures/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The vitest configs of the other suites are in no tsconfig: type-checked as loose files.
        projectService: { allowDefaultProject: ['vitest.*.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { local },
    rules: {
      // A disable comment must carry its reason after `--`.
      'local/disable-needs-reason': 'error',
      // Unused names are errors, except the `_name` convention for a parameter a signature requires.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A @ts-expect-error must carry its reason too; the other @ts- comments are refused.
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
      // Numbers and booleans in template strings are intended (log and error messages).
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Off: many methods are async because an interface is (Startable, Discovery, ParkingApi) and
      // do their work synchronously; a forgotten await is what no-floating-promises and
      // no-misused-promises (both on) catch.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript (this file, scripts/, the lab's load clients) is in no TypeScript project;
    // it runs on Node, whose globals it uses.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        setImmediate: 'readonly',
      },
    },
  },
);
