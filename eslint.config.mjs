import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

/** The engine is pure Node: no Next, no React, no database, no app code. */
const engineBoundary = {
  files: ['lib/engine/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['next', 'next/*', 'react', 'react-dom', 'next-auth', 'next-auth/*'], message: 'lib/engine must not import Next or React.' },
          { group: ['drizzle-orm', 'drizzle-orm/*', 'postgres', '@electric-sql/*', 'pg-boss'], message: 'lib/engine must not touch the database.' },
          { group: ['@/*', '../db/*', '../auth/*', '../jobs/*', '../config', '../../app/*'], message: 'lib/engine imports only node:* and its own files.' },
        ],
      },
    ],
    'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'lib/engine takes options, never process.env.' }],
  },
};

/** The CLI is the one part of lib/engine that runs as a program: it may read its environment. */
const engineCli = {
  files: ['lib/engine/cli/**/*.ts'],
  rules: { 'no-restricted-properties': 'off' },
};

const config = [
  ...nextVitals,
  ...nextTs,
  engineBoundary,
  engineCli,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    ignores: ['node_modules/**', '.next/**', 'data/**', 'drizzle/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts', 'bench/.work/**', 'lib/engine/testdata/**'],
  },
];

export default config;
