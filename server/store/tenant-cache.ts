// An in-process cache of the tenant lookups every API request makes: the organization of an API
// key (by the key's SHA-256, never the key) and a project within an organization.
//
// Why: those two reads are two of the three database reads of a GET (bench/README.md), and
// their answers change only when a key is rotated (projects never move or go away).
//
// Bounded: at most `maxEntries` organizations and as many projects, the least recently used
// going first; only found tenants are kept (an unknown key or project is looked up every time,
// so random keys cannot fill it with anything but evictions of each other).
//
// Fresh: a rotation takes effect at once. Made through this store (rotateApiKey), or by another
// process (key-revocations.ts tells this one), it drops the organization's entries, and a lookup
// that was already reading the database when the rotation happened does not put its (old) answer
// back (an epoch counter says so). The new key works at once everywhere (it is not in any cache
// yet). An entry is also used for at most `ttlMs` after it was read from the database.
import type { Organization, Project } from "./types.js";

export interface TenantCacheOptions {
  /** Most organizations kept (and, separately, most projects). 0 turns the cache off. */
  maxEntries: number;
  /** How long an entry is used after it was read from the database (milliseconds). */
  ttlMs: number;
  /** A monotonic clock in milliseconds (tests inject one). */
  now?: () => number;
}

export const TENANT_CACHE_DEFAULTS: TenantCacheOptions = { maxEntries: 10_000, ttlMs: 5_000 };

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** A Map used as an LRU with expiry: insertion order is recency order (a hit moves to the end). */
class Lru<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.max <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  deleteWhere(test: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (test(entry.value)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface CachedOrganization {
  organization: Organization;
  /** SHA-256 (hex) of the key, compared again (in constant time) on every hit. */
  hash: string;
}

export class TenantCache {
  private readonly organizations: Lru<string, CachedOrganization>;
  private readonly projects: Lru<string, Project>;
  private epochValue = 0;

  constructor(options: TenantCacheOptions = TENANT_CACHE_DEFAULTS) {
    const now = options.now ?? (() => performance.now());
    this.organizations = new Lru(options.maxEntries, options.ttlMs, now);
    this.projects = new Lru(options.maxEntries, options.ttlMs, now);
  }

  /** Read before a database lookup, passed to remember*: a rotation in between voids the answer. */
  get epoch(): number {
    return this.epochValue;
  }

  organization(hash: string): CachedOrganization | undefined {
    return this.organizations.get(hash);
  }

  rememberOrganization(hash: string, organization: Organization, epoch: number): void {
    if (epoch === this.epochValue) this.organizations.set(hash, { organization, hash });
  }

  project(organizationId: number, projectKey: string): Project | undefined {
    return this.projects.get(`${organizationId}/${projectKey}`);
  }

  rememberProject(project: Project): void {
    this.projects.set(`${project.organizationId}/${project.projectKey}`, project);
  }

  /** The organization's key changed: forget every key (hash) that led to it, now and in flight. */
  forgetOrganization(organizationId: number): void {
    this.epochValue++;
    this.organizations.deleteWhere((cached) => cached.organization.organizationId === organizationId);
  }

  /** Some key may have changed (which one is not known): forget every organization, now and in flight. */
  forgetAllOrganizations(): void {
    this.epochValue++;
    this.organizations.deleteWhere(() => true);
  }

  /** Entries held (organizations, projects): for tests of the bound. */
  get sizes(): { organizations: number; projects: number } {
    return { organizations: this.organizations.size, projects: this.projects.size };
  }
}
