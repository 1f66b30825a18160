//! Paths the agent names, resolved inside the work directory and never
//! outside it: no absolute paths, no `..`, no symlinks leading out (the
//! server may run as root, so a link to /etc/shadow must not be followed).

use std::path::{Component, Path, PathBuf};

use super::SandboxError;

/// `relative` joined to `root`, refusing anything that could leave it.
/// Symlinks are checked by [`ensure_inside`] once the path exists.
pub fn resolve(root: &Path, relative: &str) -> Result<PathBuf, SandboxError> {
    let outside = || SandboxError::OutsideWorkDir(relative.to_owned());
    let relative = relative.trim();
    let relative = relative.strip_prefix("./").unwrap_or(relative);
    let mut resolved = root.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return Err(outside()),
        }
    }
    Ok(resolved)
}

/// Fails when `path`, after following every symlink, is not inside `root`.
pub fn ensure_inside(root: &Path, path: &Path, shown_as: &str) -> Result<PathBuf, SandboxError> {
    let root = root.canonicalize()?;
    let real = path.canonicalize().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => SandboxError::NotFound(shown_as.to_owned()),
        _ => SandboxError::Io(error),
    })?;
    if real.starts_with(&root) {
        Ok(real)
    } else {
        Err(SandboxError::OutsideWorkDir(shown_as.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside_and_escapes_are_refused() {
        let root = Path::new("/data/sandboxes/b1");
        assert_eq!(resolve(root, "src/main.rs").unwrap(), root.join("src/main.rs"));
        assert_eq!(resolve(root, "./a/./b").unwrap(), root.join("a/b"));
        for escape in ["../x", "a/../../x", "/etc/passwd"] {
            assert!(matches!(resolve(root, escape), Err(SandboxError::OutsideWorkDir(_))), "{escape}");
        }
    }
}
