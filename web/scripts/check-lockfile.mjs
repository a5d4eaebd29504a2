// Fails when package-lock.json records a registry address: no "resolved" URL and no
// registry host may appear (the .npmrc setting omit-lockfile-registry-resolved keeps them
// out; this check catches a lockfile written without it).
import { readFileSync } from "node:fs";

const LOCKFILE = process.argv[2] ?? "package-lock.json";
const text = readFileSync(LOCKFILE, "utf8");
const problems = [];
if (/registry\.npmjs\.org|registry\.yarnpkg\.com/.test(text)) {
  problems.push("it names a registry host");
}
const lock = JSON.parse(text);
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (typeof entry.resolved === "string" && /^[a-z+]+:\/\//i.test(entry.resolved)) {
    problems.push(`"${path}" has a resolved URL (${entry.resolved})`);
    break;
  }
}
if (problems.length > 0) {
  console.error(
    `${LOCKFILE} records a registry address: ${problems.join("; ")}.\n` +
      "Delete it and run `npm install` in web/ (web/.npmrc sets omit-lockfile-registry-resolved=true).",
  );
  process.exit(1);
}
console.log(`${LOCKFILE} records no registry address.`);
