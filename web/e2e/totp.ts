/**
 * RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps), what the test user's authenticator
 * app would show. The server accepts the steps within one of its current step and each
 * step only once per account (replays are refused), so `TotpDevice` hands out codes for
 * strictly increasing steps: at most three per 30 s without waiting.
 */
import { createHmac } from "node:crypto";

const STEP_S = 30;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, "").toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`"${char}" is not a base32 character`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

export function totpAt(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

export function currentStep(nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000 / STEP_S);
}

export class TotpDevice {
  private lastStep = -1;

  constructor(readonly secret: string) {}

  /** A code the server has not seen yet: the oldest step still accepted and unused. */
  nextCode(nowMs: number = Date.now()): string {
    const now = currentStep(nowMs);
    const step = Math.max(this.lastStep + 1, now - 1);
    if (step > now + 1) throw new Error("three codes were used in this 30 s step; wait for the next one");
    this.lastStep = step;
    return totpAt(this.secret, step);
  }
}
