import { CODE_BODY_LIMIT } from './lib/http/limits.mjs';

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The lab code and the sandbox spawn processes and read .lab/: keep them out of the bundle.
  serverExternalPackages: ['kafkajs', 'typescript'],
  // Lessons are read from content/ at build time; ship them with the standalone server output.
  outputFileTracingIncludes: { '/**': ['./content/**/*'] },
  experimental: {
    // The largest server action carries a run's code (startRun, saveEdits, Enviar al scheduler).
    // Next counts the body as it streams and stops here (default 1 MB); the front door refuses a
    // larger Content-Length before Next reads a byte.
    serverActions: { bodySizeLimit: CODE_BODY_LIMIT },
  },
};

export default nextConfig;
