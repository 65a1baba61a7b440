import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { publicConfig } from "@/lib/config";
import { ConfigProvider } from "./config-provider";
import "@flask-auth/next/styles.css";
import "./globals.css";

export const metadata: Metadata = {
  title: "Flask auth server: Next.js example",
  description: "Log in against the Flask authentication server",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render per request so the configuration comes from the environment of
  // `next start`, not from the machine that ran `next build`.
  await connection();
  const config = publicConfig();
  return (
    <html lang="en">
      <body>
        <header>
          <nav>
            <Link href="/" prefetch={false}>
              Home
            </Link>
            <Link href="/login" prefetch={false}>
              Log in
            </Link>
            <Link href="/dashboard" prefetch={false}>
              Dashboard
            </Link>
            <Link href="/account" prefetch={false}>
              Account
            </Link>
          </nav>
        </header>
        <ConfigProvider config={config}>
          <main>{children}</main>
        </ConfigProvider>
      </body>
    </html>
  );
}
