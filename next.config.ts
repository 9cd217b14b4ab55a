import type { NextConfig } from 'next';

const allowedOrigins = (process.env.COFFER_ALLOWED_ORIGINS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const nextConfig: NextConfig = {
  // Native and WASM packages are loaded by Node at run time, never bundled.
  serverExternalPackages: ['@electric-sql/pglite', '@node-rs/argon2', 'postgres', 'archiver', 'pg-boss', '@mongodb-js/zstd'],
  poweredByHeader: false,
  // `npm test` type-checks the whole project (tests included) before anything else; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  experimental: {
    serverActions: {
      // Next checks Origin against Host on every server action; extra origins come only from configuration.
      ...(allowedOrigins.length > 0 ? { allowedOrigins } : {}),
    },
  },
};

export default nextConfig;
