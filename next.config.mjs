/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The lab code and the sandbox spawn processes and read .lab/: keep them out of the bundle.
  serverExternalPackages: ['kafkajs', 'typescript'],
  // Lessons are read from content/ at build time; ship them with the standalone server output.
  outputFileTracingIncludes: { '/**': ['./content/**/*'] },
};

export default nextConfig;
