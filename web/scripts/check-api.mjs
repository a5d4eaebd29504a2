// Fails when src/api/schema.d.ts differs from what openapi-typescript generates from the
// committed ../docs/openapi.json (the client must never drift from the spec).
// Regenerates into a temporary file with the same command as `npm run generate:api`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SPEC = "../docs/openapi.json";
const COMMITTED = "src/api/schema.d.ts";
const scratch = mkdtempSync(join(tmpdir(), "xor-api-check-"));
const fresh = join(scratch, "schema.d.ts");
try {
  execFileSync("npx", ["--no-install", "openapi-typescript", SPEC, "-o", fresh], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const expected = readFileSync(fresh, "utf8");
  const actual = readFileSync(COMMITTED, "utf8");
  if (expected !== actual) {
    const a = actual.split("\n");
    const e = expected.split("\n");
    const line = e.findIndex((text, i) => text !== a[i]);
    console.error(
      `${COMMITTED} is out of date with ${SPEC} (first difference at line ${line + 1}).\n` +
        "Run `npm run generate:api` in web/ and commit the result.",
    );
    process.exit(1);
  }
  console.log(`${COMMITTED} matches ${SPEC}.`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
