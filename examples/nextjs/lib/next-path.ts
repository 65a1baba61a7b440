// Where to go after signing in: only a path on this app, in the form the
// browser itself would follow.
//
// The URL standard's parser (the `URL` class, the same parser the browser
// uses) resolves the path; what is returned is its canonical serialisation,
// so what was checked is exactly what the browser is sent to. The server's
// `auth/core/urls.py` applies the same rules to its own `next` parameter, and
// tests/next_targets/table.json holds the shapes both must agree on.

const BASE = "http://next-path.invalid";
const EDGES = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Only same-origin paths are accepted as a post-login target; anything else gives `fallback`. */
export function safeNextPath(next: string | null | undefined, fallback = "/dashboard"): string {
  if (!next) {
    return fallback;
  }
  // What the URL parser does first: trim C0 controls and spaces, drop tabs and newlines.
  const text = next.replace(EDGES, "").replace(/[\t\n\r]/g, "");
  // A path starts with exactly one slash; `\` counts as `/` in http(s) URLs.
  if (!/^[/\\](?![/\\])/.test(text)) {
    return fallback;
  }
  let url: URL;
  try {
    url = new URL(text, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE || !startsCleanly(url.pathname)) {
    return fallback;
  }
  return url.pathname + url.search + url.hash;
}

/** No `//` at the start nor a control character, however often the path is percent-decoded. */
function startsCleanly(path: string): boolean {
  for (let round = 0; round < 4; round++) {
    if (path.startsWith("//") || CONTROL.test(path)) {
      return false;
    }
    const decoded = path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (decoded === path) {
      return true;
    }
    const slashed = decoded.replace(/\\/g, "/");
    if (!slashed.startsWith("/")) {
      return false;
    }
    path = "/" + resolveDots(slashed).join("/");
  }
  return false;
}

/** The segments of an absolute path once `.` and `..` (also as `%2e`) are applied. */
function resolveDots(path: string): string[] {
  const single = new Set([".", "%2e"]);
  const double = new Set(["..", ".%2e", "%2e.", "%2e%2e"]);
  const parts = path.slice(1).split("/");
  const segments: string[] = [];
  parts.forEach((segment, index) => {
    const dots = segment.toLowerCase();
    if (double.has(dots) && segments.length > 0) {
      segments.pop();
    }
    if (double.has(dots) || single.has(dots)) {
      if (index === parts.length - 1) {
        segments.push("");
      }
    } else {
      segments.push(segment);
    }
  });
  return segments;
}
