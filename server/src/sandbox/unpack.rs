//! The inverse of [`super::archive`]: a tar.gz unpacked into a work
//! directory, entry by entry through `tar::Entry::unpack_in`, which refuses
//! absolute paths, `..` and anything reached through a link that leads out.
//! Only what an archive of ours holds is taken: directories, regular files
//! and symbolic links (kept as links); hard links, devices and FIFOs are
//! skipped and counted. Ownership is never taken from the archive: files
//! belong to whoever unpacks them.

use std::io::Read;
use std::path::Path;

/// What an unpack did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unpacked {
    /// Directories, files and links written.
    pub entries: u64,
    /// Entries left out: outside the directory, or of a kind not taken.
    pub skipped: u64,
}

/// Unpacks the gzip-compressed tar `reader` yields into `dir`, which exists.
/// Blocking: call it on the blocking pool.
pub fn unpack_tar_gz(reader: impl Read, dir: &Path) -> std::io::Result<Unpacked> {
    // `unpack_in` compares canonical paths; a canonical root saves one per entry.
    let dir = dir.canonicalize()?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    archive.set_preserve_permissions(false);
    archive.set_preserve_ownerships(false);
    archive.set_unpack_xattrs(false);
    archive.set_overwrite(true);
    let mut unpacked = Unpacked::default();
    // Directories last, deepest first (as `tar::Archive::unpack` does): a
    // read-only directory is made so only after what goes inside it.
    let mut directories = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        match entry.header().entry_type() {
            tar::EntryType::Directory => directories.push(entry),
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Symlink => {
                count(&mut unpacked, entry.unpack_in(&dir)?);
            }
            // Hard links, devices, FIFOs and the rest: never written by our archives.
            _ => unpacked.skipped += 1,
        }
    }
    directories.sort_by(|a, b| b.path_bytes().cmp(&a.path_bytes()));
    for mut directory in directories {
        count(&mut unpacked, directory.unpack_in(&dir)?);
    }
    Ok(unpacked)
}

fn count(unpacked: &mut Unpacked, was_written: bool) {
    if was_written {
        unpacked.entries += 1;
    } else {
        unpacked.skipped += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Arc;

    use futures_util::TryStreamExt;

    use super::*;
    use crate::sandbox::archive::{tar_gz, ExcludeRules};

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("unpack-test-{name}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// An archive's bytes, read to the end.
    async fn all_of(stream: crate::sandbox::archive::ArchiveStream) -> Vec<u8> {
        stream
            .try_fold(Vec::new(), |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            })
            .await
            .unwrap()
    }

    fn gzip(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        let tar = builder.into_inner().unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&tar).unwrap();
        encoder.finish().unwrap()
    }

    #[tokio::test]
    async fn an_archived_work_directory_unpacks_to_the_same_files_links_and_git_history() {
        let source = scratch("source");
        std::fs::create_dir_all(source.join(".git/objects")).unwrap();
        std::fs::write(source.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::create_dir_all(source.join("src")).unwrap();
        std::fs::write(source.join("src/app.py"), "print('hi')\n").unwrap();
        std::os::unix::fs::symlink("src/app.py", source.join("main.py")).unwrap();
        let excludes = Arc::new(ExcludeRules::new(&ExcludeRules::default_patterns()).unwrap());
        let bytes = all_of(tar_gz(source.clone(), excludes, u64::MAX).stream).await;

        let target = scratch("target");
        let unpacked = unpack_tar_gz(bytes.as_slice(), &target).unwrap();
        assert_eq!(unpacked.skipped, 0);
        assert_eq!(std::fs::read_to_string(target.join("src/app.py")).unwrap(), "print('hi')\n");
        assert_eq!(std::fs::read_to_string(target.join(".git/HEAD")).unwrap(), "ref: refs/heads/main\n");
        assert!(target.join(".git/objects").is_dir());
        let link = std::fs::symlink_metadata(target.join("main.py")).unwrap();
        assert!(link.file_type().is_symlink(), "a link stays a link");
        assert_eq!(std::fs::read_link(target.join("main.py")).unwrap(), Path::new("src/app.py"));
        std::fs::remove_dir_all(&source).unwrap();
        std::fs::remove_dir_all(&target).unwrap();
    }

    #[tokio::test]
    async fn names_that_are_not_utf8_are_archived_as_they_are_and_restored_apart() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let source = scratch("bytes");
        // Read lossily, both names are `d\u{FFFD}`: a file, then a directory.
        std::fs::write(source.join(OsStr::from_bytes(b"d\xfe")), "a file").unwrap();
        std::fs::create_dir_all(source.join(OsStr::from_bytes(b"d\xff"))).unwrap();
        std::fs::write(source.join(OsStr::from_bytes(b"d\xff")).join("x"), "below").unwrap();
        std::fs::write(source.join("kept.txt"), "kept").unwrap();
        let archive = tar_gz(source.clone(), Arc::new(ExcludeRules::new(&[]).unwrap()), u64::MAX);
        let bytes = all_of(archive.stream).await;
        let contents = archive.contents.await.unwrap();
        assert_eq!(contents.skipped, 0, "{contents:?}");
        assert_eq!(contents.files.iter().map(|file| file.path.as_str()).collect::<Vec<_>>(), ["kept.txt"]);
        assert_eq!((contents.unlisted_files, contents.unlisted_bytes), (2, 11), "archived, not listed");

        let target = scratch("bytes-restored");
        let unpacked = unpack_tar_gz(bytes.as_slice(), &target).expect("the archive restores");
        assert_eq!(unpacked.skipped, 0);
        assert_eq!(std::fs::read_to_string(target.join(OsStr::from_bytes(b"d\xfe"))).unwrap(), "a file");
        assert_eq!(
            std::fs::read_to_string(target.join(OsStr::from_bytes(b"d\xff")).join("x")).unwrap(),
            "below"
        );
        assert_eq!(std::fs::read_to_string(target.join("kept.txt")).unwrap(), "kept");
        std::fs::remove_dir_all(&source).unwrap();
        std::fs::remove_dir_all(&target).unwrap();
    }

    #[test]
    fn nothing_lands_outside_the_directory_through_dot_dot_or_a_link() {
        let parent = scratch("escape");
        let target = parent.join("work");
        std::fs::create_dir_all(&target).unwrap();
        let archive = gzip(|builder| {
            // `..` in a path: written with the raw header, as an attacker would.
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(4);
            header.set_mode(0o644);
            header.as_gnu_mut().unwrap().name[..10].copy_from_slice(b"../escaped");
            header.set_cksum();
            builder.append(&header, &b"evil"[..]).unwrap();
            // A link out of the directory, then a file written through it.
            let mut link = tar::Header::new_gnu();
            link.set_entry_type(tar::EntryType::Symlink);
            link.set_size(0);
            link.set_mode(0o777);
            builder.append_link(&mut link, "out", &parent).unwrap();
            let mut through = tar::Header::new_gnu();
            through.set_entry_type(tar::EntryType::Regular);
            through.set_size(4);
            through.set_mode(0o644);
            builder.append_data(&mut through, "out/through", &b"evil"[..]).unwrap();
        });

        let outcome = unpack_tar_gz(archive.as_slice(), &target);
        assert!(!parent.join("escaped").exists());
        assert!(!parent.join("through").exists());
        assert!(outcome.is_err(), "a file through a link that leads out is refused: {outcome:?}");
        std::fs::remove_dir_all(&parent).unwrap();
    }

    #[test]
    fn devices_fifos_and_hard_links_are_skipped() {
        let target = scratch("kinds");
        let archive = gzip(|builder| {
            for (kind, name) in [(tar::EntryType::Fifo, "pipe"), (tar::EntryType::Char, "tty")] {
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(kind);
                header.set_size(0);
                header.set_mode(0o666);
                builder.append_data(&mut header, name, std::io::empty()).unwrap();
            }
            let mut hard = tar::Header::new_gnu();
            hard.set_entry_type(tar::EntryType::Link);
            hard.set_size(0);
            builder.append_link(&mut hard, "passwd", "/etc/passwd").unwrap();
        });
        let unpacked = unpack_tar_gz(archive.as_slice(), &target).unwrap();
        assert_eq!(unpacked, Unpacked { entries: 0, skipped: 3 });
        assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
        std::fs::remove_dir_all(&target).unwrap();
    }
}
