/**
 * Writing into the `--out` directory without ever writing through a symbolic link. A link already in the folder
 * (placed there by anyone, pointing anywhere) would otherwise have its target overwritten by the run's files:
 * - files are opened with `O_NOFOLLOW` (the open fails on a link instead of following it);
 * - the directory itself and every folder the run creates in it are checked with `lstat` (a link is refused);
 * - a file is moved into place only if no link holds its name.
 * The folders above the directory are the user's choice and may be links (e.g. `/tmp` on macOS).
 */
import {
  closeSync,
  constants,
  createWriteStream,
  lstatSync,
  mkdirSync,
  openSync,
  type WriteStream,
  writeSync,
} from "node:fs";
import { dirname, resolve } from "node:path";

const WRITE_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** A path in the output directory that is a symbolic link: the run writes neither through it nor over it. */
export class SymlinkRefusedError extends Error {
  constructor(readonly path: string) {
    super(`${path} is a symbolic link; the run never writes through one: remove it, or give another --out directory`);
    this.name = "SymlinkRefusedError";
  }
}

/** The entry at `path` without following it, or undefined when there is none. */
function entry(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Throws {@link SymlinkRefusedError} when `path` is a symbolic link. */
export function refuseSymlink(path: string): void {
  if (entry(path)?.isSymbolicLink()) throw new SymlinkRefusedError(path);
}

/**
 * Makes sure `path` is a real directory at or below `root`, creating missing levels one at a time. Every level from
 * `root` down is checked (a link is refused); the levels above `root` are created if missing, not checked. (`mkdirSync` with `recursive: true`
 * never returns for some paths, e.g. under /proc, where every level answers ENOENT.)
 */
export function ensureRealDirectory(path: string, root = path): void {
  const top = resolve(root);
  const levels: string[] = [];
  for (let level = resolve(path); ; level = dirname(level)) {
    levels.unshift(level);
    if (level === top || dirname(level) === level) break;
  }
  // Above the root: created if missing, links allowed.
  const missingAbove: string[] = [];
  for (let level = dirname(top); level !== dirname(level) && entry(level) === undefined; level = dirname(level)) {
    missingAbove.unshift(level);
  }
  for (const level of missingAbove) mkdirSync(level);
  for (const level of levels) {
    const found = entry(level);
    if (found === undefined) mkdirSync(level);
    else if (found.isSymbolicLink()) throw new SymlinkRefusedError(level);
    // A level that is a file fails with the file system's own error (ENOTDIR) at the first use below it.
  }
}

/** Opens `path` for writing (created or truncated), refusing a symbolic link in its place. Returns the descriptor. */
export function openNoFollow(path: string): number {
  try {
    return openSync(path, WRITE_NO_FOLLOW, 0o666);
  } catch (err) {
    // Linux answers ELOOP for a link opened with O_NOFOLLOW; some systems answer EMLINK.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EMLINK") throw new SymlinkRefusedError(path);
    throw err;
  }
}

/** Writes `content` to `path` (see {@link openNoFollow}). */
export function writeFileNoFollow(path: string, content: string | Uint8Array): void {
  const fd = openNoFollow(path);
  try {
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } finally {
    closeSync(fd);
  }
}

/** A write stream on `path` (see {@link openNoFollow}); it closes its descriptor when it ends or fails. */
export function createWriteStreamNoFollow(path: string): WriteStream {
  return createWriteStream(path, { fd: openNoFollow(path) });
}
