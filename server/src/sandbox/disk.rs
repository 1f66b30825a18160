//! A disk quota per build that holds against big files and many small ones
//! alike: the work directory is an ext4 file system of its own, in a sparse
//! image file (`<root>/<id>.img`) loop-mounted at `<root>/<id>` with
//! `nosuid,nodev`. The host gives it only the blocks it really uses, never
//! more than its size; a build that fills it gets "no space left" and the
//! runner ends the build saying why. Mounting needs root and loop devices;
//! where they are missing, the engine refuses to start unless unlimited
//! sandboxes are allowed.
//!
//! A disk is mounted while a handle holds it and unmounted with the last
//! one. The holder keeps an exclusive `flock` on the image, so that server
//! processes sharing the root take turns (a build handed from one process
//! to another is never unmounted under its new runner), and a mount left by
//! a process that died is taken over.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::SandboxError;

/// Bytes per inode: a 2 GB disk holds 256 Ki files, plenty for `node_modules`.
const BYTES_PER_INODE: u64 = 8 * 1024;
/// How long a process waits for another to let go of a build's disk.
const LOCK_WAIT: Duration = Duration::from_secs(15);

/// How full a build's disk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskUsage {
    pub used_bytes: u64,
    pub total_bytes: u64,
    /// What a write may still take (ext4 keeps some blocks back for itself).
    pub free_bytes: u64,
    pub free_inodes: u64,
}

impl DiskUsage {
    /// Whether nothing more fits: under 1% (or 1 MB) left, or no inode.
    pub fn is_full(&self) -> bool {
        self.free_bytes < (self.total_bytes / 100).max(1024 * 1024) || self.free_inodes == 0
    }
}

pub fn usage(dir: &Path) -> Option<DiskUsage> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    let block = stat.f_frsize;
    Some(DiskUsage {
        used_bytes: (stat.f_blocks - stat.f_bfree) * block,
        total_bytes: stat.f_blocks * block,
        free_bytes: stat.f_bavail * block,
        free_inodes: stat.f_favail,
    })
}

/// The mounted images of this process, shared by every sandbox handle of
/// a build; the last handle dropped unmounts.
pub struct DiskImages {
    size_bytes: u64,
    /// Who owns a new disk's root directory: the build's user.
    owner: u32,
    mounted: Mutex<HashMap<Uuid, Weak<MountedImage>>>,
}

/// A build's disk, mounted while something holds it.
pub struct MountedImage {
    mount_point: PathBuf,
    /// The image, opened and locked: this process's claim on the mount.
    _lock: std::fs::File,
}

impl DiskImages {
    /// Images of `size_bytes`, if this machine can make and mount them.
    pub fn probe(root: &Path, size_bytes: u64, owner: u32) -> Result<Self, String> {
        if !rustix::process::geteuid().is_root() {
            return Err("mounting a disk image per build needs root".into());
        }
        if !Path::new("/dev/loop-control").exists() {
            return Err("there are no loop devices (/dev/loop-control)".into());
        }
        let images = Self { size_bytes, owner, mounted: Mutex::default() };
        // One real image proves mkfs, loop devices and mount all work here.
        let probe = Uuid::now_v7();
        let (image, mount_point) =
            (root.join(format!(".probe-{probe}.img")), root.join(format!(".probe-{probe}")));
        let outcome = images.make_image(&image, 16 * 1024 * 1024).and_then(|()| mount(&image, &mount_point));
        let _ = unmount(&mount_point);
        let _ = std::fs::remove_dir(&mount_point);
        let _ = std::fs::remove_file(&image);
        outcome.map_err(|error| format!("a disk image could not be made and mounted: {error}"))?;
        Ok(images)
    }

    /// Mounts build `id`'s disk at `mount_point`, making it first when
    /// `create` and it does not exist. `None`: no image, and not asked to make one.
    pub fn attach(
        &self,
        id: Uuid,
        root: &Path,
        create: bool,
    ) -> Result<Option<Arc<MountedImage>>, SandboxError> {
        let mut mounted = self.mounted.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(image) = mounted.get(&id).and_then(Weak::upgrade) {
            return Ok(Some(image));
        }
        let (image, mount_point) = paths(root, id);
        if !image.exists() {
            if !create {
                return Ok(None);
            }
            self.make_image(&image, self.size_bytes).map_err(SandboxError::Unavailable)?;
        }
        let lock = lock_image(&image)?;
        // A process that died may have left it mounted: the lock makes it ours.
        if !is_mount_point(&mount_point) {
            mount(&image, &mount_point).map_err(SandboxError::Unavailable)?;
        }
        let attached = Arc::new(MountedImage { mount_point, _lock: lock });
        mounted.insert(id, Arc::downgrade(&attached));
        mounted.retain(|_, image| image.strong_count() > 0);
        Ok(Some(attached))
    }

    fn make_image(&self, image: &Path, size_bytes: u64) -> Result<(), String> {
        let file =
            std::fs::File::create_new(image).map_err(|error| format!("{}: {error}", image.display()))?;
        // Sparse: the host disk gives blocks only as the build writes them.
        file.set_len(size_bytes).map_err(|error| error.to_string())?;
        drop(file);
        let made = run(Command::new("mkfs.ext4")
            .args(["-q", "-F", "-m", "0", "-i", &BYTES_PER_INODE.to_string()])
            .arg("-E")
            .arg(format!("lazy_itable_init=1,lazy_journal_init=1,root_owner={0}:{0}", self.owner))
            .arg(image));
        if made.is_err() {
            let _ = std::fs::remove_file(image);
        }
        made
    }
}

/// Removes build `id`'s image and mount point (after unmounting it).
pub fn remove(root: &Path, id: Uuid) -> std::io::Result<()> {
    let (image, mount_point) = paths(root, id);
    if is_mount_point(&mount_point) {
        unmount(&mount_point).map_err(std::io::Error::other)?;
    }
    match std::fs::remove_file(&image) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

impl Drop for MountedImage {
    /// Unmounts at once, on whichever thread lets the disk go: whoever
    /// removes it next (`remove`, a work directory's clean-up) expects it
    /// unmounted. Deferring it to the blocking pool left disks mounted under
    /// folders being removed; the two programs take milliseconds.
    fn drop(&mut self) {
        if let Err(error) = unmount(&self.mount_point) {
            tracing::warn!(mount_point = %self.mount_point.display(), %error, "could not unmount a build's disk");
        }
    }
}

/// The image opened with an exclusive lock, waiting a while for another
/// process to release it.
fn lock_image(image: &Path) -> Result<std::fs::File, SandboxError> {
    let file = std::fs::OpenOptions::new().read(true).write(true).open(image)?;
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(file),
            Err(rustix::io::Errno::WOULDBLOCK) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err(SandboxError::Unavailable(
                    "the build's disk is in use by another server process".into(),
                ))
            }
            Err(error) => return Err(SandboxError::Io(error.into())),
        }
    }
}

fn paths(root: &Path, id: Uuid) -> (PathBuf, PathBuf) {
    (root.join(format!("{id}.img")), root.join(id.to_string()))
}

fn mount(image: &Path, mount_point: &Path) -> Result<(), String> {
    std::fs::create_dir_all(mount_point).map_err(|error| format!("{}: {error}", mount_point.display()))?;
    run(Command::new("mount").args(["-o", "loop,nosuid,nodev,noatime"]).arg(image).arg(mount_point))
}

fn unmount(mount_point: &Path) -> Result<(), String> {
    if !is_mount_point(mount_point) {
        return Ok(());
    }
    // Lazy, so a process still leaving does not keep the disk busy; the
    // loop device goes with the last reference (mount's autoclear).
    run(Command::new("umount").arg("--lazy").arg(mount_point))
}

fn is_mount_point(path: &Path) -> bool {
    Command::new("mountpoint").arg("-q").arg(path).status().is_ok_and(|status| status.success())
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|error| format!("{:?}: {error}", command.get_program()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed: {}", command.get_program(), String::from_utf8_lossy(&output.stderr).trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disk_is_full_when_under_one_percent_or_no_inode_is_left() {
        let gigabyte = 1024 * 1024 * 1024;
        let usage = |used_bytes: u64, free_inodes| DiskUsage {
            used_bytes,
            total_bytes: gigabyte,
            free_bytes: gigabyte - used_bytes,
            free_inodes,
        };
        assert!(!usage(gigabyte / 2, 10).is_full());
        assert!(usage(gigabyte - 1024, 10).is_full());
        assert!(usage(gigabyte / 2, 0).is_full());
    }
}
