/**
 * Where the session's tokens live.
 *
 * The access token (15 minutes) is kept in memory only. The refresh token is kept in
 * `sessionStorage` (one tab's lifetime) so a reload keeps the session; it is never put
 * in `localStorage`, a cookie or a URL. Listeners hear every change (the stream
 * re-authenticates with the new access token; React re-renders on login and logout).
 */
import type { Schemas } from "../api/client";

const REFRESH_KEY = "xor.refresh";
const REFRESH_EXPIRY_KEY = "xor.refresh_expires_at_ms";

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

type Listener = () => void;

export class TokenStore {
  private accessToken: string | null = null;
  private accessExpiresAtMs = 0;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: KeyValueStorage) {}

  get access(): string | null {
    return this.accessToken;
  }

  get accessExpiresAt(): number {
    return this.accessExpiresAtMs;
  }

  get refresh(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }

  /** True while a refresh token is held (the access token may need renewing first). */
  get hasSession(): boolean {
    return this.refresh !== null;
  }

  /** Store a new pair, as returned by login, MFA login or refresh. */
  setPair(pair: Schemas["TokenPairPublic"]): void {
    this.accessToken = pair.access_token;
    this.accessExpiresAtMs = Date.parse(pair.access_expires_at);
    this.storage.setItem(REFRESH_KEY, pair.refresh_token);
    this.storage.setItem(REFRESH_EXPIRY_KEY, String(Date.parse(pair.refresh_expires_at)));
    this.emit();
  }

  /** Replace the access token alone (MFA step-up and MFA activation answer only that). */
  setAccess(token: Schemas["AccessTokenPublic"]): void {
    this.accessToken = token.access_token;
    this.accessExpiresAtMs = Date.parse(token.access_expires_at);
    this.emit();
  }

  clear(): void {
    const had = this.accessToken !== null || this.refresh !== null;
    this.accessToken = null;
    this.accessExpiresAtMs = 0;
    this.storage.removeItem(REFRESH_KEY);
    this.storage.removeItem(REFRESH_EXPIRY_KEY);
    if (had) this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** An in-memory storage, for tests and for browsers that refuse sessionStorage. */
export class MemoryStorage implements KeyValueStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}
