//! Counting passed and failed tests in the output of a test run the agent
//! declared as one (`is_test_run`). The common runners' summary lines are
//! read; a run whose summary is unknown still counts by its exit code.

/// Passed and failed tests, when the output has a summary this knows.
pub fn count_tests(output: &[String]) -> Option<(i32, i32)> {
    let mut node = (None, None);
    let mut unittest_ran = None;
    let mut unittest_failed = None;
    let mut pytest = None;
    for line in output {
        let line = line.trim();
        // node --test: TAP "# pass 3" or the spec reporter's "ℹ pass 3".
        for prefix in ["# ", "ℹ "] {
            if let Some(rest) = line.strip_prefix(prefix) {
                if let Some(count) = rest.strip_prefix("pass ").and_then(number) {
                    node.0 = Some(count);
                }
                if let Some(count) = rest.strip_prefix("fail ").and_then(number) {
                    node.1 = Some(count);
                }
            }
        }
        // Python unittest: "Ran 4 tests in 0.01s", then "OK" or "FAILED (failures=1, errors=1)".
        if let Some(rest) = line.strip_prefix("Ran ") {
            unittest_ran = rest.split_whitespace().next().and_then(number);
        }
        if line == "OK" || line.starts_with("OK (") {
            unittest_failed = Some(0);
        }
        if let Some(rest) = line.strip_prefix("FAILED (") {
            let failed = rest
                .trim_end_matches(')')
                .split(", ")
                .filter_map(|part| part.split_once('='))
                .filter(|(name, _)| *name == "failures" || *name == "errors")
                .filter_map(|(_, count)| number(count))
                .fold(0, i32::saturating_add);
            unittest_failed = Some(failed);
        }
        // pytest and cargo: "3 passed, 1 failed" / "test result: ok. 3 passed; 1 failed".
        if line.contains(" passed") {
            let mut counts = (0, 0);
            let words: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == ',' || c == ';').collect();
            for pair in words.windows(2) {
                match (number(pair[0]), pair[1]) {
                    (Some(count), "passed") => counts.0 = count,
                    (Some(count), "failed") => counts.1 = count,
                    _ => {}
                }
            }
            if counts != (0, 0) {
                pytest = Some(counts);
            }
        }
    }
    if let (Some(passed), Some(failed)) = node {
        return Some((passed, failed));
    }
    if let (Some(ran), Some(failed)) = (unittest_ran, unittest_failed) {
        return Some(((ran - failed).max(0), failed));
    }
    pytest
}

/// A count as printed: no sign, and a count past `i32::MAX` is held there.
fn number(text: &str) -> Option<i32> {
    let count: u64 = text.trim().parse().ok()?;
    Some(i32::try_from(count).unwrap_or(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn negative_or_huge_counts_in_output_are_not_taken_at_their_word() {
        assert_eq!(count_tests(&lines("# pass -3\n# fail 1\n")), None);
        assert_eq!(count_tests(&lines("99999999999 passed, 1 failed")), Some((i32::MAX, 1)));
        assert_eq!(
            count_tests(&lines("Ran 3 tests\nFAILED (failures=2147483647, errors=2147483647)")),
            Some((0, i32::MAX))
        );
    }

    #[test]
    fn node_tap_and_spec_summaries_are_counted() {
        assert_eq!(count_tests(&lines("TAP version 13\n# tests 4\n# pass 3\n# fail 1\n")), Some((3, 1)));
        assert_eq!(count_tests(&lines("ℹ tests 2\nℹ pass 2\nℹ fail 0\n")), Some((2, 0)));
    }

    #[test]
    fn unittest_pytest_and_cargo_summaries_are_counted() {
        assert_eq!(
            count_tests(&lines("Ran 5 tests in 0.003s\n\nFAILED (failures=1, errors=1)")),
            Some((3, 2))
        );
        assert_eq!(count_tests(&lines("Ran 2 tests in 0.001s\n\nOK")), Some((2, 0)));
        assert_eq!(count_tests(&lines("===== 4 passed, 2 failed in 0.12s =====")), Some((4, 2)));
        assert_eq!(count_tests(&lines("test result: ok. 7 passed; 0 failed; 0 ignored")), Some((7, 0)));
    }

    #[test]
    fn output_without_a_summary_counts_nothing() {
        assert_eq!(count_tests(&lines("hello\nworld")), None);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::count_tests;

    /// Lines made of the words the runners' summaries use, numbers of any size and sign among them.
    fn output_lines() -> impl Strategy<Value = Vec<String>> {
        let word = prop_oneof![
            prop::sample::select(vec![
                "#",
                "ℹ",
                "pass",
                "fail",
                "Ran",
                "tests",
                "OK",
                "OK (",
                "FAILED (",
                "failures=",
                "errors=",
                "passed",
                "failed",
                "passed,",
                "failed;",
                "test result: ok.",
                ")",
                " ",
                ",",
                ";",
                "\t",
            ])
            .prop_map(str::to_owned),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| format!("# pass {n}")),
            any::<i64>().prop_map(|n| format!("{n} failed")),
            any::<i32>().prop_map(|n| format!("failures={n}")),
            (0u32..20).prop_map(|n| n.to_string()),
            "[a-z=]{0,6}",
        ];
        let line = proptest::collection::vec(word, 0..10).prop_map(|words| words.join(" "));
        proptest::collection::vec(line, 0..12)
    }

    proptest! {
        #[test]
        fn counts_are_never_negative_whatever_the_output_says(lines in output_lines()) {
            if let Some((passed, failed)) = count_tests(&lines) {
                prop_assert!(passed >= 0 && failed >= 0, "{passed} passed, {failed} failed from {lines:?}");
            }
        }
    }
}
