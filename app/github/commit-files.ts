import picomatch from 'picomatch';
import { FileTooLargeError, MAX_BYTES_READ, MAX_READ_BYTES, type FileRead } from '../checks/types.js';
import { isSafeRelativePath, safeRelativePath } from '../util/safe-path.js';
import { httpStatus, isNotFound, type GitHubClient, type RepoRef } from './client.js';

/** Git's own test: a NUL byte in the first 8,000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;
/** The contents API refuses files over 100 MB outright (403 `too_large`) without telling their size. */
const CONTENTS_API_LIMIT = 100 * 1024 * 1024;
/** Upper bound on directory requests when a truncated tree forces a walk through the contents API. */
export const MAX_WALK_REQUESTS = 100;

interface Listing {
  /** path → size in bytes, blobs only. */
  sizes: Map<string, number>;
  /** path → blob SHA, for the blob API. */
  blobShas: Map<string, string>;
  /** False when GitHub truncated the recursive tree (over 100,000 entries or 7 MB). */
  complete: boolean;
}

/**
 * The files of one commit, read lazily through the REST API: one recursive tree request at most
 * (cached), one contents request per file read (cached). Sizes from a loaded tree spare the request
 * for files that are missing or too large to read.
 */
export class CommitFiles {
  #listing: Promise<Listing> | undefined;
  #loaded: Listing | undefined;
  readonly #reads = new Map<string, Promise<FileRead>>();
  readonly #byteReads = new Map<string, Promise<Uint8Array | null>>();
  readonly #walks = new Map<string, Promise<Map<string, number>>>();
  /** Sizes and blob SHAs learnt from a directory walk, for reads after a truncated tree. */
  readonly #walkedSizes = new Map<string, number>();
  readonly #walkedShas = new Map<string, string>();

  constructor(
    private readonly octokit: GitHubClient,
    private readonly repo: RepoRef,
    /** Resolved on first use, so a commit that is never read costs nothing (the merge base, say). */
    private readonly sha: () => Promise<string>,
  ) {}

  readFile(requested: string): Promise<FileRead> {
    // `..` or `.` would turn the contents URL into another API route (`contents/..` is the repository).
    if (!isSafeRelativePath(requested)) return Promise.resolve({ kind: 'missing' });
    const path = safeRelativePath(requested);
    let read = this.#reads.get(path);
    if (!read) {
      read = this.#read(path);
      this.#reads.set(path, read);
      // A failed request is not cached: a later read may succeed.
      read.catch(() => this.#reads.delete(path));
    }
    return read;
  }

  /**
   * Raw bytes of a file, for binary content. API calls: the recursive tree (one request per commit,
   * shared with `listFiles` and cached) names the blob, then one blob request per file; a path the
   * tree does not show (a truncated tree) costs one contents request first. Cached per path.
   */
  readBytes(requested: string): Promise<Uint8Array | null> {
    if (!isSafeRelativePath(requested)) return Promise.resolve(null);
    const path = safeRelativePath(requested);
    let read = this.#byteReads.get(path);
    if (!read) {
      read = this.#readBytes(path);
      this.#byteReads.set(path, read);
      read.catch(() => this.#byteReads.delete(path));
    }
    return read;
  }

  async #readBytes(path: string): Promise<Uint8Array | null> {
    const listing = await this.#tree();
    let sha = listing.blobShas.get(path) ?? this.#walkedShas.get(path);
    let size = listing.sizes.get(path) ?? this.#walkedSizes.get(path);
    if (sha === undefined || size === undefined) {
      if (listing.complete) return null;
      const entry = await this.#contentsEntry(path);
      if (!entry) return null;
      ({ sha, size } = entry);
    }
    if (size > MAX_BYTES_READ) throw new FileTooLargeError(path, size);
    const { data } = await this.octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { ...this.repo, file_sha: sha });
    if (data.encoding !== 'base64') throw new Error(`GitHub returned blob ${sha} (${path}) in encoding "${data.encoding}"; expected base64`);
    return new Uint8Array(Buffer.from(data.content, 'base64'));
  }

  /** SHA and size of a file the tree listing could not show, from the contents API. */
  async #contentsEntry(path: string): Promise<{ sha: string; size: number } | null> {
    try {
      const { data } = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...this.repo, path, ref: await this.sha() });
      if (Array.isArray(data) || data.type !== 'file') return null;
      return { sha: data.sha, size: data.size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async listFiles(glob: string): Promise<string[]> {
    const listing = await this.#tree();
    const matches = picomatch(glob, { dot: true });
    const paths = listing.complete ? [...listing.sizes.keys()] : [...(await this.#walk(glob)).keys()];
    return paths.filter((path) => matches(path)).sort();
  }

  async #read(path: string): Promise<FileRead> {
    const known = this.#knownSize(path);
    if (known === 'missing') return { kind: 'missing' };
    if (known !== undefined && known > MAX_READ_BYTES) return { kind: 'too-large', size: known };

    let data: unknown;
    try {
      const response = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        ...this.repo,
        path,
        ref: await this.sha(),
      });
      data = response.data;
    } catch (error) {
      if (isNotFound(error)) return { kind: 'missing' };
      if (httpStatus(error) === 403 && /too.?large/i.test(String((error as Error).message))) {
        return { kind: 'too-large', size: known ?? CONTENTS_API_LIMIT };
      }
      throw error;
    }
    // A directory (an array), a submodule or a dangling symlink: not a file a check can read.
    if (Array.isArray(data) || !isFileContent(data)) return { kind: 'missing' };
    if (data.size > MAX_READ_BYTES || data.encoding === 'none') return { kind: 'too-large', size: data.size };
    const bytes = Buffer.from(data.content, 'base64');
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { kind: 'binary', size: bytes.byteLength };
    return { kind: 'text', text: bytes.toString('utf8') };
  }

  /** What an already loaded listing says about a path; undefined when it does not know. */
  #knownSize(path: string): number | 'missing' | undefined {
    const listing = this.#loaded;
    const size = listing?.sizes.get(path) ?? this.#walkedSizes.get(path);
    if (size !== undefined) return size;
    return listing?.complete ? 'missing' : undefined;
  }

  #tree(): Promise<Listing> {
    if (!this.#listing) {
      this.#listing = this.#loadTree().then((listing) => (this.#loaded = listing));
      this.#listing.catch(() => (this.#listing = undefined));
    }
    return this.#listing;
  }

  async #loadTree(): Promise<Listing> {
    const { data } = await this.octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
      ...this.repo,
      tree_sha: await this.sha(),
      recursive: '1',
    });
    const sizes = new Map<string, number>();
    const blobShas = new Map<string, string>();
    for (const entry of data.tree) {
      if (entry.type === 'blob' && entry.path !== undefined) {
        sizes.set(entry.path, entry.size ?? 0);
        if (entry.sha !== undefined && entry.mode !== '120000') blobShas.set(entry.path, entry.sha);
      }
    }
    return { sizes, blobShas, complete: !data.truncated };
  }

  /**
   * Lists the folder a glob starts from one tree at a time (non-recursive tree requests are not
   * truncated below 100,000 entries each) when the recursive tree came back truncated.
   */
  #walk(glob: string): Promise<Map<string, number>> {
    const scan = picomatch.scan(glob);
    const root = scan.isGlob ? scan.base : parentOf(scan.base);
    let walk = this.#walks.get(root);
    if (!walk) {
      walk = this.#walkFrom(root);
      this.#walks.set(root, walk);
      walk.catch(() => this.#walks.delete(root));
    }
    return walk;
  }

  async #walkFrom(root: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const sha = await this.sha();
    let requests = 0;
    const listTree = async (treeSha: string) => {
      if (++requests > MAX_WALK_REQUESTS) {
        throw new Error(
          `the repository tree at ${sha} is too large for GitHub to list at once, and "${root || '/'}" holds more than ${MAX_WALK_REQUESTS} folders; narrow the check's paths`,
        );
      }
      const { data } = await this.octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...this.repo, tree_sha: treeSha });
      return data.tree;
    };

    // Down to the folder the glob starts from, one level per request.
    let treeSha = sha;
    for (const name of root.split('/').filter((part) => part !== '')) {
      const entry = (await listTree(treeSha)).find((item) => item.path === name && item.type === 'tree');
      if (!entry?.sha) return found;
      treeSha = entry.sha;
    }
    const pending: Array<{ sha: string; prefix: string }> = [{ sha: treeSha, prefix: root ? `${root}/` : '' }];
    while (pending.length > 0) {
      const folder = pending.shift() as { sha: string; prefix: string };
      for (const entry of await listTree(folder.sha)) {
        if (entry.path === undefined || entry.sha === undefined) continue;
        const path = `${folder.prefix}${entry.path}`;
        if (entry.type === 'tree') pending.push({ sha: entry.sha, prefix: `${path}/` });
        else if (entry.type === 'blob') {
          found.set(path, entry.size ?? 0);
          this.#walkedSizes.set(path, entry.size ?? 0);
          if (entry.mode !== '120000') this.#walkedShas.set(path, entry.sha);
        }
      }
    }
    return found;
  }
}

interface FileContent {
  type: 'file';
  size: number;
  content: string;
  encoding: string;
}

function isFileContent(data: unknown): data is FileContent {
  if (typeof data !== 'object' || data === null) return false;
  const file = data as Partial<FileContent>;
  return file.type === 'file' && typeof file.size === 'number' && typeof file.content === 'string';
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
