//! A work directory as a tar.gz stream, written on the blocking pool while
//! the reader takes it: the archive is never held whole in memory or on
//! disk. The walk goes through cap-std beneath the directory, stores links
//! as links (never following one), skips what is excluded, and learns each
//! file's size, SHA-256 and whether it is text as it reads it, once.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt, PermissionsExt};
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

pub use self::excludes::ExcludeRules;

mod excludes;

/// Chunks in flight between the writer and the reader; a slow reader
/// makes the writer wait.
const CHUNKS_IN_FLIGHT: usize = 8;
const CHUNK_BYTES: usize = 64 * 1024;
/// Deeper directories are left out (and counted): a work directory needs
/// nothing like it, and the walk stays bounded.
const MAX_DEPTH: usize = 64;
/// The agent's history: archived, but summed rather than listed.
const GIT_DIR: &str = ".git";
/// What the list of an archive's files may weigh as the manifest's JSON.
/// Past it files are archived and counted but not listed, so that neither
/// the walk's memory nor the manifest grows with what a build makes (a
/// disk's worth of files with paths of kilobytes would weigh a gigabyte).
pub const MAX_LISTING_BYTES: u64 = 32 * 1024 * 1024;
/// A listed file's JSON beyond its path, as the manifest is written
/// (indented): size, digest, flags, names and spaces.
const LISTED_FILE_OVERHEAD_BYTES: u64 = 200;

pub type ArchiveStream = BoxStream<'static, std::io::Result<Bytes>>;

/// An archive being written: its bytes, and what it held once they end.
pub struct Archive {
    pub stream: ArchiveStream,
    /// Sent when the last byte has been written; an error ends the stream too.
    pub contents: oneshot::Receiver<ArchiveContents>,
}

/// What went into an archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveContents {
    /// Regular files outside `.git/`, in the order written (sorted by path),
    /// while their list is within [`MAX_LISTING_BYTES`].
    pub files: Vec<ArchivedFile>,
    /// Regular files outside `.git/` archived but not listed: after the list
    /// was full, or with a path that is not UTF-8.
    pub unlisted_files: u64,
    pub unlisted_bytes: u64,
    pub git_files: u64,
    pub git_bytes: u64,
    /// Entries left out for being too deep, or neither file, directory nor link.
    pub skipped: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedFile {
    /// Relative, `/`-separated.
    pub path: String,
    pub size_bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
    /// Valid UTF-8 without NUL bytes.
    pub is_text: bool,
}

/// Streams `dir` (its contents, `.git` included) as a gzip-compressed tar,
/// or fails once its files add up to more than `max_file_bytes`: a
/// directory on a disk of that size holds no more, unless hard links or
/// sparse files make one file's blocks count many times over.
pub fn tar_gz(dir: PathBuf, excludes: Arc<ExcludeRules>, max_file_bytes: u64) -> Archive {
    tar_gz_listing(dir, excludes, max_file_bytes, MAX_LISTING_BYTES)
}

/// [`tar_gz`], with the files listed while their list is within `max_listing_bytes`.
fn tar_gz_listing(
    dir: PathBuf,
    excludes: Arc<ExcludeRules>,
    max_file_bytes: u64,
    max_listing_bytes: u64,
) -> Archive {
    let (sender, receiver) = mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    let (contents_sender, contents) = oneshot::channel();
    tokio::task::spawn_blocking(move || {
        let failure = sender.clone();
        let out = ChunkWriter { sender, buffer: Vec::with_capacity(CHUNK_BYTES) };
        match write_archive(&dir, &excludes, max_file_bytes, max_listing_bytes, out) {
            Ok(written) => {
                let _ = contents_sender.send(written);
            }
            // The reader sees the failure as the stream's last item.
            Err(error) => {
                let _ = failure.blocking_send(Err(error));
            }
        }
    });
    let stream = Box::pin(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    }));
    Archive { stream, contents }
}

fn write_archive(
    dir: &Path,
    excludes: &ExcludeRules,
    max_file_bytes: u64,
    max_listing_bytes: u64,
    out: ChunkWriter,
) -> std::io::Result<ArchiveContents> {
    let root = Dir::open_ambient_dir(dir, cap_std::ambient_authority())?;
    let encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let mut walk = Walk {
        builder: tar::Builder::new(encoder),
        excludes,
        contents: ArchiveContents::default(),
        max_file_bytes,
        file_bytes_left: max_file_bytes,
        listing_bytes_left: max_listing_bytes,
    };
    walk.directory(&root, &EntryPath::root(), 0)?;
    let Walk { builder, contents, .. } = walk;
    let mut out = builder.into_inner()?.finish()?;
    out.flush()?;
    Ok(contents)
}

struct Walk<'a, W: Write> {
    builder: tar::Builder<W>,
    excludes: &'a ExcludeRules,
    contents: ArchiveContents,
    max_file_bytes: u64,
    /// What the files archived so far leave of `max_file_bytes`.
    file_bytes_left: u64,
    /// What the files listed so far leave of the listing's bytes; once one
    /// does not fit, none after it is listed, so the list is a prefix.
    listing_bytes_left: u64,
}

impl<W: Write> Walk<'_, W> {
    /// Appends the entries of `dir` (at `prefix`), sorted by name.
    fn directory(&mut self, dir: &Dir, prefix: &EntryPath, depth: usize) -> std::io::Result<()> {
        let mut entries = Vec::new();
        for entry in dir.entries()? {
            let entry = entry?;
            entries.push((entry.file_name(), entry.file_type()?));
        }
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        for (name, file_type) in entries {
            let path = prefix.child(&name);
            if self.excludes.excludes(&path.text_or_lossy(), file_type.is_dir()) {
                continue;
            }
            if file_type.is_dir() {
                if depth >= MAX_DEPTH {
                    self.contents.skipped += 1;
                    continue;
                }
                let child = dir.open_dir(&name)?;
                let mut header = header_for(tar::EntryType::Directory, 0, &child.dir_metadata()?);
                self.builder.append_data(&mut header, path.as_directory(), std::io::empty())?;
                self.directory(&child, &path, depth + 1)?;
            } else if file_type.is_symlink() {
                let target = dir.read_link_contents(&name)?;
                let mut header = header_for(tar::EntryType::Symlink, 0, &dir.symlink_metadata(&name)?);
                self.builder.append_link(&mut header, &path.raw, target)?;
            } else if file_type.is_file() {
                self.file(dir, &name, path)?;
            } else {
                // FIFOs, sockets, devices: nothing a project needs.
                self.contents.skipped += 1;
            }
        }
        Ok(())
    }

    fn file(&mut self, dir: &Dir, name: &std::ffi::OsStr, path: EntryPath) -> std::io::Result<()> {
        let mut options = OpenOptions::new();
        // Never block on something swapped in for the file meanwhile.
        options.read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY);
        let file = dir.open_with(name, &options)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            self.contents.skipped += 1;
            return Ok(());
        }
        let size = metadata.len();
        self.file_bytes_left = self.file_bytes_left.checked_sub(size).ok_or_else(|| {
            std::io::Error::other(format!(
                "its files add up to more than {} MiB, more than its disk holds (a hard-linked or sparse \
                 file counts whole each time), so it cannot be archived",
                self.max_file_bytes / (1024 * 1024)
            ))
        })?;
        let mut header = header_for(tar::EntryType::Regular, size, &metadata);
        let is_git = path.raw.starts_with(GIT_DIR);
        let mut reader = InspectingReader::new(ExactLength::new(file, size), !is_git);
        self.builder.append_data(&mut header, &path.raw, &mut reader)?;
        if is_git {
            self.contents.git_files += 1;
            self.contents.git_bytes += size;
        } else {
            self.list(path.text, size, reader.finish());
        }
        Ok(())
    }

    /// Lists a file, if its path is text and the list has room for it.
    fn list(&mut self, path: Option<String>, size_bytes: u64, (sha256, is_text): (String, bool)) {
        let room = path.as_deref().and_then(|path| {
            self.listing_bytes_left.checked_sub(json_string_bytes(path) + LISTED_FILE_OVERHEAD_BYTES)
        });
        match (path, room) {
            (Some(path), Some(left)) => {
                self.listing_bytes_left = left;
                self.contents.files.push(ArchivedFile { path, size_bytes, sha256, is_text });
            }
            (path, _) => {
                if path.is_some() {
                    self.listing_bytes_left = 0;
                }
                self.contents.unlisted_files += 1;
                self.contents.unlisted_bytes += size_bytes;
            }
        }
    }
}

/// Where an entry is: its path as the bytes the tar holds, and as text
/// when every name on the way is UTF-8. A name read lossily could become
/// another's (`d\xfe` and `d\xff` both read `d\u{FFFD}`), and a restore
/// would trip over its own entries; such files are archived, not listed.
#[derive(Debug, Clone, Default)]
struct EntryPath {
    raw: PathBuf,
    text: Option<String>,
}

impl EntryPath {
    fn root() -> Self {
        EntryPath { raw: PathBuf::new(), text: Some(String::new()) }
    }

    fn child(&self, name: &std::ffi::OsStr) -> Self {
        let text = match (&self.text, name.to_str()) {
            (Some(prefix), Some(name)) if prefix.is_empty() => Some(name.to_owned()),
            (Some(prefix), Some(name)) => Some(format!("{prefix}/{name}")),
            _ => None,
        };
        EntryPath { raw: self.raw.join(name), text }
    }

    /// What the exclude rules, written as text, match.
    fn text_or_lossy(&self) -> std::borrow::Cow<'_, str> {
        match &self.text {
            Some(text) => std::borrow::Cow::Borrowed(text),
            None => self.raw.to_string_lossy(),
        }
    }

    /// The path of a directory's own entry: with a trailing `/`.
    fn as_directory(&self) -> PathBuf {
        let mut path = self.raw.clone().into_os_string();
        path.push("/");
        PathBuf::from(path)
    }
}

/// At most what `text` takes as a JSON string: a control character may
/// become `\u001f`, six bytes for one.
fn json_string_bytes(text: &str) -> u64 {
    let escaped: usize = text
        .bytes()
        .map(|byte| match byte {
            0..=0x1f => 6,
            b'"' | b'\\' => 2,
            _ => 1,
        })
        .sum();
    escaped as u64 + 2
}

fn header_for(entry_type: tar::EntryType, size: u64, metadata: &cap_std::fs::Metadata) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(entry_type);
    header.set_size(size);
    header.set_mode(metadata.permissions().mode() & 0o777);
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.into_std().duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_secs());
    header.set_mtime(modified);
    header
}

/// Passes a file's bytes through, hashing them and checking for text.
struct InspectingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    /// Bytes of a UTF-8 sequence cut by the end of the last read.
    pending: Vec<u8>,
    is_text: bool,
}

impl<R: Read> InspectingReader<R> {
    fn new(inner: R, is_inspected: bool) -> Self {
        Self { inner, hasher: is_inspected.then(Sha256::new), pending: Vec::new(), is_text: is_inspected }
    }

    /// The SHA-256 in hex, and whether the whole file was text.
    fn finish(self) -> (String, bool) {
        let hash = self.hasher.map(|hasher| hex::encode(hasher.finalize())).unwrap_or_default();
        (hash, self.is_text && self.pending.is_empty())
    }

    fn inspect(&mut self, data: &[u8]) {
        if let Some(hasher) = &mut self.hasher {
            hasher.update(data);
        }
        if !self.is_text {
            return;
        }
        if data.contains(&0) {
            self.is_text = false;
            return;
        }
        self.pending.extend_from_slice(data);
        match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.clear(),
            // Only an incomplete sequence at the very end may wait for more.
            Err(error) if error.error_len().is_none() => {
                let rest = self.pending.split_off(error.valid_up_to());
                self.pending = rest;
            }
            Err(_) => self.is_text = false,
        }
    }
}

impl<R: Read> Read for InspectingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.inspect(&buffer[..read]);
        Ok(read)
    }
}

/// A file's bytes as many as its tar header says: cut at that length if the
/// file grew meanwhile, and made up with zeros if it shrank (a build's app
/// may write while it is archived). Short, the entry would end early and
/// the next file's bytes would be read as the headers of entries the build
/// chose.
struct ExactLength<R> {
    inner: R,
    /// Bytes still owed to the entry.
    missing: u64,
    /// The file came to an end: only zeros follow, whatever it does next.
    is_padding: bool,
}

impl<R: Read> ExactLength<R> {
    fn new(inner: R, length: u64) -> Self {
        Self { inner, missing: length, is_padding: false }
    }
}

impl<R: Read> Read for ExactLength<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let wanted = buffer.len().min(usize::try_from(self.missing).unwrap_or(usize::MAX));
        if wanted == 0 {
            return Ok(0);
        }
        let buffer = &mut buffer[..wanted];
        let read = if self.is_padding { 0 } else { self.inner.read(buffer)? };
        let read = if read == 0 {
            self.is_padding = true;
            buffer.fill(0);
            wanted
        } else {
            read
        };
        self.missing -= read as u64;
        Ok(read)
    }
}

/// Hands what is written to the stream in chunks.
struct ChunkWriter {
    sender: mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES)));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the archive's reader went away")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(patterns: &[&str]) -> ExcludeRules {
        ExcludeRules::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_file_shorter_than_its_header_says_is_made_up_with_zeros_and_a_longer_one_cut() {
        let mut shrunk = Vec::new();
        ExactLength::new(&b"abc"[..], 6).read_to_end(&mut shrunk).unwrap();
        assert_eq!(shrunk, b"abc\0\0\0");
        let mut grown = Vec::new();
        ExactLength::new(&b"abcdef"[..], 4).read_to_end(&mut grown).unwrap();
        assert_eq!(grown, b"abcd");
    }

    /// A file cut short and written again while it is read: "abc", then
    /// its end, then more bytes.
    struct TruncatedThenAppended(Vec<&'static [u8]>);

    impl Read for TruncatedThenAppended {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let piece = self.0.remove(0);
            buffer[..piece.len()].copy_from_slice(piece);
            Ok(piece.len())
        }
    }

    #[test]
    fn a_file_written_again_after_its_end_was_read_adds_nothing_to_its_entry() {
        let file = TruncatedThenAppended(vec![b"abc", b"", b"appended later"]);
        let mut entry = Vec::new();
        ExactLength::new(file, 8).read_to_end(&mut entry).unwrap();
        assert_eq!(entry, b"abc\0\0\0\0\0");
    }

    async fn archive_of(dir: &Path, max_file_bytes: u64) -> std::io::Result<Vec<u8>> {
        use futures_util::TryStreamExt;
        let archive = tar_gz(dir.to_owned(), Arc::new(rules(&[])), max_file_bytes);
        let chunks: Vec<Bytes> = archive.stream.try_collect().await?;
        Ok(chunks.concat())
    }

    #[tokio::test]
    async fn hard_links_count_whole_against_the_limit_so_they_cannot_swell_the_archive() {
        let dir = std::env::temp_dir().join(format!("archive-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        // Bytes gzip cannot shrink.
        let noise: Vec<u8> = (0..8192u32).flat_map(|n| Sha256::digest(n.to_le_bytes())).collect();
        std::fs::write(dir.join("data.bin"), &noise).unwrap();
        for n in 0..40 {
            std::fs::hard_link(dir.join("data.bin"), dir.join(format!("link-{n}"))).unwrap();
        }
        let refused = archive_of(&dir, 4 * 1024 * 1024).await.unwrap_err();
        let archive = archive_of(&dir, 64 * 1024 * 1024).await;
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(refused.to_string().contains("more than 4 MiB"), "{refused}");
        let archive = archive.expect("within a roomier limit");
        assert!(archive.len() > 41 * 256 * 1024, "every link archived whole: {} bytes", archive.len());
    }

    #[tokio::test]
    async fn files_past_the_listings_bytes_are_archived_and_counted_but_not_listed() {
        use futures_util::TryStreamExt;
        let dir = std::env::temp_dir().join(format!("archive-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        // Names JSON escapes: a control character takes six bytes there.
        let names: Vec<String> =
            (0..30).map(|n| format!("{n:02}-\u{1}\"quoted\"-{}", "x".repeat(100))).collect();
        for name in &names {
            std::fs::write(dir.join(name), b"twelve bytes").unwrap();
        }
        let budget = 4 * 1024;
        let archive = tar_gz_listing(dir.clone(), Arc::new(rules(&[])), u64::MAX, budget);
        let bytes: Vec<Bytes> = archive.stream.try_collect().await.unwrap();
        let contents = archive.contents.await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let listed: Vec<&str> = contents.files.iter().map(|file| file.path.as_str()).collect();
        assert!(!listed.is_empty() && listed.len() < names.len(), "{} listed", listed.len());
        assert_eq!(listed, names[..listed.len()], "the first files by name are listed");
        assert_eq!(contents.unlisted_files as usize, names.len() - listed.len());
        assert_eq!(contents.unlisted_bytes, 12 * contents.unlisted_files);
        // As the manifest writes it (indented), with the longest sizes.
        let files: Vec<app::model::artifacts::ManifestFile> = contents
            .files
            .iter()
            .map(|file| app::model::artifacts::ManifestFile {
                path: file.path.clone(),
                size_bytes: i64::MAX,
                sha256: file.sha256.clone(),
                is_text: false,
            })
            .collect();
        let listing = serde_json::to_vec_pretty(&serde_json::json!({ "files": files })).unwrap();
        assert!(listing.len() as u64 <= budget, "the listing's JSON is {} bytes", listing.len());

        let mut archived = 0;
        for entry in
            tar::Archive::new(flate2::read::GzDecoder::new(bytes.concat().as_slice())).entries().unwrap()
        {
            archived += usize::from(entry.unwrap().header().entry_type().is_file());
        }
        assert_eq!(archived, names.len(), "the archive holds every file");
    }

    fn inspect(chunks: &[&[u8]]) -> (String, bool) {
        let mut reader = InspectingReader::new(std::io::empty(), true);
        for chunk in chunks {
            reader.inspect(chunk);
        }
        reader.finish()
    }

    #[test]
    fn text_is_utf8_without_nul_even_when_a_character_spans_reads() {
        let euro = "€".as_bytes();
        assert!(inspect(&[b"price: ", &euro[..1], &euro[1..], b"\n"]).1);
        assert!(!inspect(&[b"abc\0def"]).1);
        assert!(!inspect(&[&[0xff, 0xfe]]).1);
        assert!(!inspect(&[b"cut ", &euro[..2]]).1, "a sequence cut by the end of the file is not text");
        assert_eq!(
            inspect(&[b"hello"]).0,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }
}
