//! The loop guard: a session that repeats itself without progress ends,
//! instead of burning tokens. Two signs: the same tool call several times
//! in a row, and the same failing test output several times.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::llm::ToolCall;

pub struct LoopGuard {
    /// How many repeats end the session.
    limit: u32,
    last_call: Option<u64>,
    call_repeats: u32,
    /// Failing test outputs seen, by digest.
    failing_runs: HashMap<u64, u32>,
}

impl LoopGuard {
    pub fn new(limit: u32) -> Self {
        Self { limit: limit.max(2), last_call: None, call_repeats: 0, failing_runs: HashMap::new() }
    }

    /// Why the session must end, when `call` repeats the previous one once
    /// too often.
    pub fn check_call(&mut self, call: &ToolCall) -> Option<String> {
        let digest = digest(&(call.name.as_str(), call.input.to_string()));
        if self.last_call == Some(digest) {
            self.call_repeats += 1;
        } else {
            self.last_call = Some(digest);
            self.call_repeats = 1;
        }
        (self.call_repeats >= self.limit).then(|| {
            format!(
                "the agent made the same {} call {} times in a row without progress",
                call.name, self.call_repeats
            )
        })
    }

    /// Records a test run; answers why the session must end when the same
    /// failure came back once too often. A passing run clears the record.
    pub fn check_test_run(&mut self, command: &str, succeeded: bool, output: &[String]) -> Option<String> {
        if succeeded {
            self.failing_runs.clear();
            return None;
        }
        let seen = self.failing_runs.entry(digest(&(command, output))).or_insert(0);
        *seen += 1;
        (*seen >= self.limit)
            .then(|| format!("the same tests failed the same way {} times (`{command}`)", *seen))
    }
}

fn digest(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(command: &str) -> ToolCall {
        ToolCall { id: "x".into(), name: "run_command".into(), input: json!({ "command": command }) }
    }

    #[test]
    fn the_same_call_three_times_in_a_row_trips_the_guard() {
        let mut guard = LoopGuard::new(3);
        assert!(guard.check_call(&call("ls")).is_none());
        assert!(guard.check_call(&call("ls")).is_none());
        assert!(guard.check_call(&call("ls")).unwrap().contains("3 times"));
    }

    #[test]
    fn a_different_call_in_between_resets_the_count() {
        let mut guard = LoopGuard::new(3);
        for command in ["ls", "ls", "pwd", "ls", "ls"] {
            assert!(guard.check_call(&call(command)).is_none(), "{command}");
        }
    }

    #[test]
    fn the_same_failure_trips_the_guard_until_tests_pass() {
        let mut guard = LoopGuard::new(2);
        let output = vec!["# fail 1".to_owned()];
        assert!(guard.check_test_run("node --test", false, &output).is_none());
        assert!(guard.check_test_run("node --test", true, &[]).is_none());
        assert!(guard.check_test_run("node --test", false, &output).is_none());
        assert!(guard.check_test_run("node --test", false, &output).unwrap().contains("failed the same way"));
    }
}
