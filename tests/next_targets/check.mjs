// Runs the Next.js example's safeNextPath over the shared table, and checks
// with the platform's URL parser (the one browsers implement) that every
// target the server would send is already canonical: parsing it again gives
// it back unchanged, on the origin the table expects.
//
// Usage: node check.mjs TABLE.json NEXTJS_DIR   (prints one JSON object)

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [tablePath, nextDir] = process.argv.slice(2);
const require = createRequire(path.resolve(nextDir, "package.json"));
const ts = require("typescript");

const source = readFileSync(path.join(nextDir, "lib", "next-path.ts"), "utf8");
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
});
const { safeNextPath } = await import("data:text/javascript," + encodeURIComponent(outputText));

const API = "http://localhost";
const FALLBACK = "\u0000fallback";
const results = {};
for (const row of JSON.parse(readFileSync(tablePath, "utf8")).cases) {
  const nextjs = safeNextPath(row.next, FALLBACK);
  const server = "server" in row ? row.server : row.path;
  let reparsed = null;
  let origin = null;
  if (server !== null) {
    const url = new URL(server, API);
    reparsed = server.startsWith("/") ? url.pathname + url.search + url.hash : url.href;
    origin = url.origin;
  }
  results[row.name] = { nextjs: nextjs === FALLBACK ? null : nextjs, reparsed, origin };
}
process.stdout.write(JSON.stringify(results));
