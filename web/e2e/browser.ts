/**
 * Debian's Chromium driven by playwright-core (no browser download: PLAYWRIGHT_SKIP_
 * BROWSER_DOWNLOAD=1 and `executablePath`), axe-core injected into each page, and the
 * screenshots kept as artifacts under var/e2e-artifacts/ (ignored by git).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "./xorServer";

export const CHROMIUM = process.env["XOR_CHROMIUM"] ?? "/usr/bin/chromium";
export const ARTIFACTS = join(REPO_ROOT, "var", "e2e-artifacts");

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * The serious and critical WCAG 2.x A/AA violations axe-core finds on the page as it is
 * now. axe is evaluated through the DevTools protocol, so the page's Content-Security-
 * Policy (scripts from its own origin only) stays in force.
 */
export async function seriousViolations(page: Page, label: string): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: unknown) => Promise<AxeResult> } }).axe;
    interface AxeResult {
      violations: Array<{
        id: string;
        impact: string | null;
        help: string;
        nodes: Array<{ target: unknown[] }>;
      }>;
    }
    const result = await axe.run({
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(" ")),
    }));
  });
  const serious = found.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = found.length - serious.length;
  console.log(`axe ${label}: ${serious.length} serious/critical, ${minor} moderate/minor`);
  for (const v of found) console.log(`  [${v.impact}] ${v.id}: ${v.help} at ${v.targets.join(", ")}`);
  return serious;
}
