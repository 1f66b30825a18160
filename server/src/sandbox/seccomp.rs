//! The system calls a build never needs, denied by seccomp filters compiled
//! with `seccompiler` and handed to bubblewrap: kernel attack surface
//! (bpf, perf_event_open, userfaultfd, io_uring, keyrings), the tools of an
//! escape (ptrace, mount, new namespaces, kexec, modules), and, when the
//! sandbox shares the host's network, Unix sockets (abstract sockets are
//! per network namespace, so that is where they reach the host's).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch,
};

use super::SandboxError;

/// Syscalls refused with EPERM whatever their arguments.
const DENIED: &[i64] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_syslog,
];

/// clone(2) flags that make namespaces: refused, since a new user
/// namespace hands its creator every capability inside it.
const NAMESPACE_FLAGS: &[u64] = &[
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWCGROUP as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
];

/// The two filters, as the raw `sock_filter` arrays bubblewrap's
/// `--add-seccomp-fd` reads: one refusing with EPERM; one answering clone3
/// with ENOSYS, so that the C library falls back to clone, whose flags the
/// first filter can see (clone3 passes them in memory, out of its reach).
pub fn filters(deny_unix_sockets: bool) -> Result<[Vec<u8>; 2], SandboxError> {
    let arch = target_arch()?;
    let mut denied: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED.iter().map(|&syscall| (syscall, Vec::new())).collect();
    let clone_rules = NAMESPACE_FLAGS
        .iter()
        .map(|&flag| rule(vec![condition(0, SeccompCmpOp::MaskedEq(flag), flag)?]))
        .collect::<Result<Vec<_>, _>>()?;
    denied.insert(libc::SYS_clone, clone_rules);
    if deny_unix_sockets {
        // The kernel reads the family as a 32-bit int: compare those bits only.
        let unix = rule(vec![condition_on_int(0, libc::AF_UNIX as u64)?])?;
        denied.insert(libc::SYS_socket, vec![unix]);
    }
    let refused = compile(denied, libc::EPERM, arch)?;
    let clone3 = compile(BTreeMap::from([(libc::SYS_clone3, Vec::new())]), libc::ENOSYS, arch)?;
    Ok([refused, clone3])
}

fn target_arch() -> Result<TargetArch, SandboxError> {
    TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|_| SandboxError::Unavailable(format!("no seccomp filter for {}", std::env::consts::ARCH)))
}

fn condition(argument: u8, operation: SeccompCmpOp, value: u64) -> Result<SeccompCondition, SandboxError> {
    SeccompCondition::new(argument, SeccompCmpArgLen::Qword, operation, value).map_err(filter_error)
}

fn condition_on_int(argument: u8, value: u64) -> Result<SeccompCondition, SandboxError> {
    SeccompCondition::new(argument, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value).map_err(filter_error)
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, SandboxError> {
    SeccompRule::new(conditions).map_err(filter_error)
}

fn compile(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    errno: i32,
    arch: TargetArch,
) -> Result<Vec<u8>, SandboxError> {
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, SeccompAction::Errno(errno as u32), arch)
        .map_err(filter_error)?;
    let program: BpfProgram = filter.try_into().map_err(filter_error)?;
    Ok(program
        .iter()
        .flat_map(|instruction| {
            let mut bytes = Vec::with_capacity(8);
            bytes.extend_from_slice(&instruction.code.to_ne_bytes());
            bytes.push(instruction.jt);
            bytes.push(instruction.jf);
            bytes.extend_from_slice(&instruction.k.to_ne_bytes());
            bytes
        })
        .collect())
}

fn filter_error(error: impl std::fmt::Display) -> SandboxError {
    SandboxError::Unavailable(format!("the seccomp filter could not be built: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_filters_compile_to_whole_instructions() {
        let [refused, clone3] = filters(false).expect("filters");
        assert!(refused.len() > 8 * DENIED.len(), "one check or more per denied call");
        assert_eq!(refused.len() % 8, 0);
        assert_eq!(clone3.len() % 8, 0);
        let [with_unix, _] = filters(true).expect("filters");
        assert!(with_unix.len() > refused.len());
    }
}
