import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The example is run behind a TLS-terminating reverse proxy in the e2e
  // tests; nothing here depends on the host it is built on.
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
