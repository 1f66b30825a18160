//! The host user a build runs as. A root server starts bubblewrap as this
//! unprivileged user (never as root: inside a user namespace, host root
//! still passes the kernel's uid checks on `/proc/sys` and friends), and
//! takes on its identity for the file operations it does for the agent, so
//! that everything in a work directory belongs to the build's user.

/// A thread's file-system user and group, switched until dropped. Threads
/// inherit their creator's credentials: while one is held, start no thread
/// and poll no future (one may grow the blocking pool), or the new thread
/// keeps the build's identity (see [`super::channel_reader`]).
pub struct FileSystemIdentity {
    previous_uid: u32,
    previous_gid: u32,
}

impl FileSystemIdentity {
    /// Accesses files as `uid` (and the group of the same number) on this
    /// thread. Leaving uid 0 also drops the file capabilities (DAC override
    /// and the like) for as long as it lasts, so checks are the user's.
    pub fn assume(uid: u32) -> Self {
        // SAFETY: setfsgid/setfsuid change only the calling thread's
        // file-system ids (the C library does not spread them to other
        // threads) and touch no memory; they cannot fail for root.
        let (previous_gid, previous_uid) = unsafe { (libc::setfsgid(uid), libc::setfsuid(uid)) };
        Self { previous_uid: previous_uid as u32, previous_gid: previous_gid as u32 }
    }
}

impl Drop for FileSystemIdentity {
    fn drop(&mut self) {
        // SAFETY: as in `assume`; the thread goes back to what it was.
        unsafe {
            libc::setfsuid(self.previous_uid);
            libc::setfsgid(self.previous_gid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_made_under_the_identity_belong_to_the_user_and_the_thread_gets_its_own_back() {
        if !rustix::process::geteuid().is_root() {
            return; // Only root can take on another identity.
        }
        let dir = std::env::temp_dir().join(format!("identity-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::chown(&dir, Some(60_901), Some(60_901)).unwrap();
        {
            let _identity = FileSystemIdentity::assume(60_901);
            std::fs::write(dir.join("made"), "x").unwrap();
            assert!(std::fs::read("/etc/shadow").is_err(), "the user's rights, not root's");
        }
        let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(dir.join("made")).unwrap());
        assert_eq!(owner, 60_901);
        assert!(std::fs::read("/etc/shadow").is_ok(), "root again afterwards");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
