//! The agent's file operations inside a work directory, through cap-std:
//! every path, and every link on the way, is resolved beneath the directory
//! (with `openat2(RESOLVE_BENEATH)` where the kernel has it), so nothing
//! outside can be read, written or created, not even a parent directory.
//! Reads are capped and refuse anything but regular files without blocking
//! (a FIFO named like a source file must not hang a worker); listings walk
//! with limits on entries, depth and time. All of it is blocking file
//! system work: callers run it on the blocking pool.

use std::io::{ErrorKind, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use globset::{GlobBuilder, GlobMatcher};
use tokio_util::sync::CancellationToken;

use super::{FileEntry, FileListing, SandboxError};

/// The largest file read whole (the runner's own files included).
pub const MAX_READ_BYTES: u64 = 8 * 1024 * 1024;
/// A listing visits at most this many entries, this deep, for this long.
pub const MAX_VISITED_ENTRIES: usize = 200_000;
pub const MAX_DEPTH: usize = 64;
pub const MAX_LISTING_TIME: Duration = Duration::from_secs(2);
/// Entries a listing answers with; past it the listing says it was cut.
pub const MAX_LISTED_ENTRIES: usize = 5_000;
const MAX_PATTERN_CHARS: usize = 1_000;

/// The work directory as a capability: paths below it only.
pub fn open_root(work_dir: &Path) -> Result<Dir, SandboxError> {
    Ok(Dir::open_ambient_dir(work_dir, cap_std::ambient_authority())?)
}

/// `path` as the agent gave it, made relative (no `..`, no root): the
/// refusal names the path the way the agent wrote it.
pub fn relative(path: &str) -> Result<PathBuf, SandboxError> {
    let trimmed = path.trim();
    let mut relative = PathBuf::new();
    for component in Path::new(trimmed).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(SandboxError::OutsideWorkDir(path.to_owned()))
            }
        }
    }
    Ok(relative)
}

pub fn read(root: &Dir, path: &str) -> Result<Vec<u8>, SandboxError> {
    let relative = relative(path)?;
    let mut options = OpenOptions::new();
    // Non-blocking, so opening a FIFO with no writer returns at once.
    options.read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    let file = root.open_with(&relative, &options).map_err(|error| file_error(error, path))?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(SandboxError::NotAFile(path.to_owned()));
    }
    if metadata.len() > MAX_READ_BYTES {
        return Err(SandboxError::FileTooLarge { path: path.to_owned(), limit: MAX_READ_BYTES });
    }
    let mut contents = Vec::with_capacity(metadata.len() as usize);
    // A file growing meanwhile is read up to the limit, and refused past it.
    file.take(MAX_READ_BYTES + 1).read_to_end(&mut contents)?;
    if contents.len() as u64 > MAX_READ_BYTES {
        return Err(SandboxError::FileTooLarge { path: path.to_owned(), limit: MAX_READ_BYTES });
    }
    Ok(contents)
}

/// Writes `contents` to `path`, creating its parent directories (beneath
/// the root, like the file itself). An existing link is never written
/// through: it is refused.
pub fn write(root: &Dir, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
    let relative = relative(path)?;
    let Some(name) = relative.file_name() else {
        return Err(SandboxError::OutsideWorkDir(path.to_owned()));
    };
    let parent = match relative.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => match root.open_dir(parent) {
            Ok(dir) => dir,
            // Opening first names the real obstacle (a link leading out, a
            // file in the way), which a failed create_dir_all would not.
            Err(error) if error.kind() == ErrorKind::NotFound => {
                root.create_dir_all(parent).map_err(|error| file_error(error, path))?;
                root.open_dir(parent).map_err(|error| file_error(error, path))?
            }
            Err(error) => return Err(file_error(error, path)),
        },
        _ => root.try_clone()?,
    };
    if parent.symlink_metadata(name).is_ok_and(|metadata| metadata.is_symlink()) {
        return Err(SandboxError::OutsideWorkDir(path.to_owned()));
    }
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let mut file = parent.open_with(name, &options).map_err(|error| file_error(error, path))?;
    if !file.metadata()?.is_file() {
        return Err(SandboxError::NotAFile(path.to_owned()));
    }
    file.write_all(contents)?;
    Ok(())
}

/// Files and directories matching `pattern` (a glob: `*` and `?` within a
/// path part, `**` across parts), sorted, `.git` excluded.
pub fn list(root: &Dir, pattern: &str, cancel: &CancellationToken) -> Result<FileListing, SandboxError> {
    let pattern = pattern.trim().trim_start_matches("./");
    let pattern = if pattern.is_empty() { "**" } else { pattern };
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(SandboxError::BadPattern(format!(
            "a pattern may have at most {MAX_PATTERN_CHARS} characters"
        )));
    }
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| SandboxError::BadPattern(error.kind().to_string()))?
        .compile_matcher();
    // The walk starts below the pattern's literal directories (`src/` of `src/**/*.js`).
    let start = literal_prefix(pattern);
    let start_dir = if start.as_os_str().is_empty() {
        root.try_clone()?
    } else {
        match root.open_dir(&start) {
            Ok(dir) => dir,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return Ok(FileListing { entries: Vec::new(), is_cut: false })
            }
            Err(error) => return Err(file_error(error, &start.to_string_lossy())),
        }
    };
    let mut walk =
        Walk { matcher, cancel, started: Instant::now(), visited: 0, entries: Vec::new(), is_cut: false };
    walk.visit(&start_dir, &start, 0)?;
    walk.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(FileListing { entries: walk.entries, is_cut: walk.is_cut })
}

struct Walk<'a> {
    matcher: GlobMatcher,
    cancel: &'a CancellationToken,
    started: Instant,
    visited: usize,
    entries: Vec<FileEntry>,
    is_cut: bool,
}

impl Walk<'_> {
    fn visit(&mut self, dir: &Dir, at: &Path, depth: usize) -> Result<(), SandboxError> {
        if depth > MAX_DEPTH {
            return Err(SandboxError::ListingTooLong(format!(
                "the directory tree is deeper than {MAX_DEPTH} levels at {}",
                at.display()
            )));
        }
        for entry in dir.entries()? {
            let entry = entry?;
            self.visited += 1;
            if self.visited > MAX_VISITED_ENTRIES {
                return Err(SandboxError::ListingTooLong(format!(
                    "more than {MAX_VISITED_ENTRIES} entries; name a directory in the pattern (like src/**/*.js)"
                )));
            }
            if self.started.elapsed() > MAX_LISTING_TIME || self.cancel.is_cancelled() {
                return Err(SandboxError::ListingTooLong(format!(
                    "the listing took longer than {} seconds; narrow the pattern",
                    MAX_LISTING_TIME.as_secs()
                )));
            }
            let name = entry.file_name();
            if name == ".git" {
                continue;
            }
            let path = at.join(&name);
            // The entry's own type: a link is listed, never followed.
            let file_type = entry.file_type()?;
            let text = path.to_string_lossy().into_owned();
            if self.matcher.is_match(&text) {
                if self.entries.len() == MAX_LISTED_ENTRIES {
                    self.is_cut = true;
                } else {
                    let size_bytes = entry.metadata().map(|metadata| metadata.len()).unwrap_or(0);
                    self.entries.push(FileEntry { path: text, is_dir: file_type.is_dir(), size_bytes });
                }
            }
            if file_type.is_dir() {
                let child = entry.open_dir()?;
                self.visit(&child, &path, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// The leading path parts of `pattern` that hold no glob syntax.
fn literal_prefix(pattern: &str) -> PathBuf {
    let parts: Vec<&str> = pattern.split('/').collect();
    let Some((_, directories)) = parts.split_last() else { return PathBuf::new() };
    directories
        .iter()
        .take_while(|part| !part.is_empty() && *part != &".." && !part.contains(['*', '?', '[', '{', '\\']))
        .collect()
}

/// An I/O error on `path`, in the agent's terms: cap-std reports a path
/// that would lead outside the directory as permission denied.
fn file_error(error: std::io::Error, path: &str) -> SandboxError {
    match error.kind() {
        ErrorKind::NotFound => SandboxError::NotFound(path.to_owned()),
        ErrorKind::PermissionDenied => SandboxError::OutsideWorkDir(path.to_owned()),
        _ if error.raw_os_error() == Some(libc::ELOOP) => SandboxError::OutsideWorkDir(path.to_owned()),
        _ if error.raw_os_error() == Some(libc::ENXIO) => SandboxError::NotAFile(path.to_owned()),
        _ => SandboxError::Io(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_and_escapes_are_refused() {
        assert_eq!(relative("src/main.rs").unwrap(), PathBuf::from("src/main.rs"));
        assert_eq!(relative("./a/./b").unwrap(), PathBuf::from("a/b"));
        for escape in ["../x", "a/../../x", "/etc/passwd"] {
            assert!(matches!(relative(escape), Err(SandboxError::OutsideWorkDir(_))), "{escape}");
        }
    }

    #[test]
    fn the_walk_starts_below_the_literal_directories_of_a_pattern() {
        assert_eq!(literal_prefix("src/**/*.js"), PathBuf::from("src"));
        assert_eq!(literal_prefix("src/lib/*.rs"), PathBuf::from("src/lib"));
        assert_eq!(literal_prefix("*.json"), PathBuf::new());
        assert_eq!(literal_prefix("**"), PathBuf::new());
        assert_eq!(literal_prefix("a/{b,c}/d"), PathBuf::from("a"));
    }
}
