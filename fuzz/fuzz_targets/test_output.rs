//! A test run's output, counted: never a panic, never a negative count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::builds::harness::test_results::count_tests;

fuzz_target!(|text: &str| {
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if let Some((passed, failed)) = count_tests(&lines) {
        assert!(passed >= 0 && failed >= 0, "{passed} passed, {failed} failed");
    }
});
