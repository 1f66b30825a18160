//! Control groups for the limits rlimits cannot give: the processes of a
//! build (RLIMIT_NPROC does not bind root), the memory of all its processes
//! together, and its share of the CPUs. Each build has a group with those
//! limits (`agents-platform/<build>`), and each command a group inside it,
//! so that everything a command started can be found and killed. Both
//! cgroup v1 (`pids`, `memory`, `cpu` hierarchies) and v2 are handled.

use std::path::{Path, PathBuf};

const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// All of the platform's groups sit below this one.
const PARENT: &str = "agents-platform";
const V1_CONTROLLERS: [&str; 3] = ["pids", "memory", "cpu"];
/// The scheduler period the CPU quota is a share of.
const CPU_PERIOD_MICROS: u64 = 100_000;

/// What a build's processes may use together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupLimits {
    pub max_processes: u64,
    pub memory_bytes: u64,
    /// CPUs' worth of time (1.5: one and a half CPUs).
    pub cpus: f64,
}

impl GroupLimits {
    /// What a build's sandbox limits ask of its group.
    pub fn of(limits: &super::SandboxLimits) -> Self {
        Self {
            max_processes: limits.max_processes,
            memory_bytes: limits.memory_bytes,
            cpus: limits.cpu_millis as f64 / 1000.0,
        }
    }
}

/// The writable cgroup hierarchy of this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    V1,
    V2,
}

impl Hierarchy {
    /// The hierarchy where the platform can make groups with every limit,
    /// or why it cannot.
    pub fn probe() -> Result<Self, String> {
        let root = Path::new(CGROUP_ROOT);
        let hierarchy = if V1_CONTROLLERS
            .iter()
            .all(|controller| root.join(controller).join("cgroup.procs").exists())
        {
            Hierarchy::V1
        } else {
            let controllers = std::fs::read_to_string(root.join("cgroup.controllers")).map_err(|_| {
                format!("no cgroup hierarchy with the pids, memory and cpu controllers at {CGROUP_ROOT}")
            })?;
            if !["pids", "memory", "cpu"]
                .iter()
                .all(|wanted| controllers.split_whitespace().any(|c| c == *wanted))
            {
                return Err(format!("cgroup v2 at {CGROUP_ROOT} lacks the pids, memory or cpu controller"));
            }
            Hierarchy::V2
        };
        let limits = GroupLimits { max_processes: 8, memory_bytes: 64 * 1024 * 1024, cpus: 1.0 };
        let probe = format!("probe-{}", uuid::Uuid::now_v7().simple());
        let dirs = hierarchy
            .make_build_group(&probe, &limits)
            .map_err(|error| format!("cgroups at {CGROUP_ROOT} are not writable here: {error}"))?;
        for dir in dirs {
            let _ = std::fs::remove_dir(dir);
        }
        Ok(hierarchy)
    }

    /// The build's group directories (one per hierarchy), made if missing,
    /// with `limits` written.
    fn make_build_group(self, name: &str, limits: &GroupLimits) -> std::io::Result<Vec<PathBuf>> {
        let root = Path::new(CGROUP_ROOT);
        let quota = ((limits.cpus * CPU_PERIOD_MICROS as f64) as u64).max(1_000);
        match self {
            Hierarchy::V1 => {
                let settings: [(&str, Vec<(&str, String)>); 3] = [
                    ("pids", vec![("pids.max", limits.max_processes.to_string())]),
                    ("memory", vec![("memory.limit_in_bytes", limits.memory_bytes.to_string())]),
                    (
                        "cpu",
                        vec![
                            ("cpu.cfs_period_us", CPU_PERIOD_MICROS.to_string()),
                            ("cpu.cfs_quota_us", quota.to_string()),
                        ],
                    ),
                ];
                settings
                    .iter()
                    .map(|(controller, values)| {
                        write_group(&root.join(controller).join(PARENT).join(name), values)
                    })
                    .collect()
            }
            Hierarchy::V2 => {
                let parent = root.join(PARENT);
                std::fs::create_dir_all(&parent)?;
                // v2 hands controllers to children only when asked to.
                let _ = std::fs::write(root.join("cgroup.subtree_control"), "+pids +memory +cpu");
                std::fs::write(parent.join("cgroup.subtree_control"), "+pids +memory +cpu")?;
                let values = [
                    ("pids.max", limits.max_processes.to_string()),
                    ("memory.max", limits.memory_bytes.to_string()),
                    ("memory.swap.max", "0".to_owned()),
                    ("cpu.max", format!("{quota} {CPU_PERIOD_MICROS}")),
                ];
                let dir = write_group(&parent.join(name), &values[..2])?;
                let _ = std::fs::write(dir.join("memory.swap.max"), "0");
                std::fs::write(dir.join("cpu.max"), &values[3].1)?;
                std::fs::write(dir.join("cgroup.subtree_control"), "+pids +memory +cpu")?;
                Ok(vec![dir])
            }
        }
    }

    /// A group for one command of `build`, inside the build's group (made
    /// with `limits` if it is not there yet).
    pub fn command_group(
        self,
        build: &str,
        command: u64,
        limits: &GroupLimits,
    ) -> std::io::Result<CommandCgroup> {
        let build_dirs = self.make_build_group(build, limits)?;
        let dirs = build_dirs
            .iter()
            .map(|dir| {
                let command_dir = dir.join(format!("command-{command}"));
                std::fs::create_dir_all(&command_dir)?;
                Ok(command_dir)
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(CommandCgroup { dirs, build_dirs })
    }
}

fn write_group(dir: &Path, values: &[(&str, String)]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for (file, value) in values {
        std::fs::write(dir.join(file), value)?;
    }
    Ok(dir.to_path_buf())
}

pub struct CommandCgroup {
    /// One directory per hierarchy the command joins.
    dirs: Vec<PathBuf>,
    /// The build's groups around them.
    build_dirs: Vec<PathBuf>,
}

impl CommandCgroup {
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

    fn try_remove(&self) -> bool {
        let removed = self.dirs.iter().all(|dir| std::fs::remove_dir(dir).is_ok() || !dir.exists());
        if removed {
            for dir in &self.build_dirs {
                let _ = std::fs::remove_dir(dir);
            }
        }
        removed
    }

    /// Kills what is left and removes the group, then the build's group if
    /// no other command is in it (a group with live processes cannot be
    /// removed, so this waits briefly for them).
    pub async fn remove(mut self) {
        for _ in 0..50 {
            self.kill_all();
            if self.try_remove() {
                self.dirs.clear();
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::warn!(groups = ?self.dirs, "could not remove a command's cgroup");
    }
}

impl Drop for CommandCgroup {
    /// A command abandoned midway (its run dropped) still ends: what is in
    /// its group is killed, and the group goes once it is empty.
    fn drop(&mut self) {
        if self.dirs.is_empty() {
            return;
        }
        self.kill_all();
        if self.try_remove() {
            return;
        }
        // Killed processes take a moment to leave; a short-lived thread waits for them.
        let mut leftover = CommandCgroup {
            dirs: std::mem::take(&mut self.dirs),
            build_dirs: std::mem::take(&mut self.build_dirs),
        };
        std::thread::spawn(move || {
            for _ in 0..100 {
                leftover.kill_all();
                if leftover.try_remove() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            leftover.dirs.clear();
        });
    }
}
