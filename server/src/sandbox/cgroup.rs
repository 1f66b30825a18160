//! A control group per command, for the limits rlimits cannot give: the
//! number of processes (RLIMIT_NPROC does not bind root) and the memory of
//! all processes together. Both cgroup v1 (`pids`, `memory` hierarchies)
//! and v2 (one unified hierarchy) are handled; without a writable cgroup
//! file system there is no group, and the caller says so.

use std::path::{Path, PathBuf};

use super::SandboxLimits;

const V1_ROOT: &str = "/sys/fs/cgroup";
/// All of the platform's groups sit below this one.
const PARENT: &str = "agents-platform";

pub struct CommandCgroup {
    /// One directory per hierarchy the command joins.
    dirs: Vec<PathBuf>,
}

impl CommandCgroup {
    /// A group named `name` with the limits set, or `None` where cgroups
    /// cannot be written here.
    pub fn create(name: &str, limits: &SandboxLimits) -> Option<Self> {
        let root = Path::new(V1_ROOT);
        let v1 = [
            ("pids", vec![("pids.max", limits.max_processes.to_string())]),
            ("memory", vec![("memory.limit_in_bytes", limits.memory_bytes.to_string())]),
        ];
        if root.join("pids/cgroup.procs").exists() && root.join("memory/cgroup.procs").exists() {
            let dirs: Option<Vec<PathBuf>> = v1
                .iter()
                .map(|(controller, settings)| {
                    make_group(&root.join(controller).join(PARENT).join(name), settings)
                })
                .collect();
            return dirs.map(|dirs| Self { dirs });
        }
        let controllers = std::fs::read_to_string(root.join("cgroup.controllers")).ok()?;
        if !(controllers.contains("pids") && controllers.contains("memory")) {
            return None;
        }
        let parent = root.join(PARENT);
        std::fs::create_dir_all(&parent).ok()?;
        // v2 hands controllers to children only when asked to.
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+pids +memory");
        let _ = std::fs::write(parent.join("cgroup.subtree_control"), "+pids +memory");
        let settings =
            [("pids.max", limits.max_processes.to_string()), ("memory.max", limits.memory_bytes.to_string())];
        let dir = make_group(&parent.join(name), &settings)?;
        Some(Self { dirs: vec![dir] })
    }

    /// The files a process writes its pid to in order to join.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|dir| dir.join("cgroup.procs")).collect()
    }

    /// Kills every process still in the group.
    pub fn kill_all(&self) {
        for dir in &self.dirs {
            let Ok(listed) = std::fs::read_to_string(dir.join("cgroup.procs")) else { continue };
            for pid in listed.lines().filter_map(|line| line.trim().parse::<i32>().ok()) {
                // SAFETY: kill(2) has no memory effects; a pid that has gone meanwhile gives ESRCH.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }

    /// Kills what is left and removes the group (a group with live
    /// processes cannot be removed, so this waits briefly for them).
    pub async fn remove(self) {
        for _ in 0..50 {
            self.kill_all();
            if self.dirs.iter().all(|dir| std::fs::remove_dir(dir).is_ok() || !dir.exists()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::warn!(groups = ?self.dirs, "could not remove a command's cgroup");
    }
}

fn make_group(dir: &Path, settings: &[(&str, String)]) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).ok()?;
    for (file, value) in settings {
        std::fs::write(dir.join(file), value).ok()?;
    }
    Some(dir.to_path_buf())
}
