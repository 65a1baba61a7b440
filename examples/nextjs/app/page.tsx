import Link from "next/link";
import { publicConfig } from "@/lib/config";

export default function Home() {
  const { apiUrl, authMode } = publicConfig();
  return (
    <>
      <h1>Next.js + Flask authentication server</h1>
      <p>
        This app signs in against <code>{apiUrl}</code> ({authMode} mode).
      </p>
      <ul>
        <li>
          <Link href="/login" prefetch={false}>
            Log in
          </Link>
        </li>
        <li>
          <Link href="/dashboard" prefetch={false}>
            Go to the dashboard
          </Link>{" "}
          (protected)
        </li>
      </ul>
    </>
  );
}
