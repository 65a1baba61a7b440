import { connection } from "next/server";

// The protected page: rendered per request, as a real account page would be.
export default async function ProtectedPage() {
  await connection();
  return (
    <main>
      <h1>Protected</h1>
      <p>Rendered at {new Date().toISOString()}</p>
    </main>
  );
}
