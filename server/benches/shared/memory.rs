//! The server's resident memory during a benchmark run, for the benches
//! that measure it (each includes this file as a module).

#![allow(dead_code)] // each bench uses a different part of this module

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const MEMORY_SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// The server's resident memory during a run. The kernel's high-water mark
/// (`VmHWM`, reset by writing `5` to `/proc/self/clear_refs`) sees every
/// peak however short, such as a 5 MB part allocated and freed between two
/// samples; sampling `VmRSS` every 10 ms is the cross-check, and the answer
/// where the reset is refused.
pub struct MemoryWatch {
    baseline_kb: u64,
    is_high_water_reset: bool,
    sampled_peak_kb: Arc<AtomicU64>,
    is_running: Arc<AtomicBool>,
    sampler: std::thread::JoinHandle<()>,
}

pub struct MemoryPeak {
    pub baseline_kb: u64,
    pub high_water_kb: Option<u64>,
    pub sampled_peak_kb: u64,
}

impl MemoryWatch {
    pub fn start() -> Self {
        let sampled_peak_kb = Arc::new(AtomicU64::new(0));
        let is_running = Arc::new(AtomicBool::new(true));
        let sampler = std::thread::spawn({
            let (sampled_peak_kb, is_running) = (sampled_peak_kb.clone(), is_running.clone());
            move || {
                while is_running.load(Ordering::Relaxed) {
                    if let Some(rss) = status_kb("VmRSS") {
                        sampled_peak_kb.fetch_max(rss, Ordering::Relaxed);
                    }
                    std::thread::sleep(MEMORY_SAMPLE_EVERY);
                }
            }
        });
        // The sampler's own stack is in the baseline.
        std::thread::sleep(MEMORY_SAMPLE_EVERY);
        let baseline_kb = status_kb("VmRSS").expect("VmRSS in /proc/self/status");
        sampled_peak_kb.store(baseline_kb, Ordering::Relaxed);
        let is_high_water_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        Self { baseline_kb, is_high_water_reset, sampled_peak_kb, is_running, sampler }
    }

    pub fn finish(self) -> MemoryPeak {
        let high_water_kb = if self.is_high_water_reset { status_kb("VmHWM") } else { None };
        self.is_running.store(false, Ordering::Relaxed);
        self.sampler.join().expect("the memory sampler");
        MemoryPeak {
            baseline_kb: self.baseline_kb,
            high_water_kb,
            sampled_peak_kb: self.sampled_peak_kb.load(Ordering::Relaxed),
        }
    }
}

impl MemoryPeak {
    pub fn growth_mb(&self) -> f64 {
        let peak = self.high_water_kb.unwrap_or(self.sampled_peak_kb);
        peak.saturating_sub(self.baseline_kb) as f64 / 1024.0
    }

    pub fn method(&self) -> String {
        let sampled = self.sampled_peak_kb.saturating_sub(self.baseline_kb) as f64 / 1024.0;
        match self.high_water_kb {
            Some(_) => {
                format!("VmHWM after resetting it; VmRSS sampled every 10 ms peaked {sampled:.1} MB up")
            }
            None => "VmRSS sampled every 10 ms: clear_refs refused the VmHWM reset".to_owned(),
        }
    }
}

/// A `kB` line of `/proc/self/status`.
pub fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field) && line[field.len()..].starts_with(':'))?;
    line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()
}

impl MemoryPeak {
    /// The highest resident memory seen, in MiB.
    pub fn peak_mb(&self) -> f64 {
        self.high_water_kb.unwrap_or(self.sampled_peak_kb).max(self.sampled_peak_kb) as f64 / 1024.0
    }

    pub fn baseline_mb(&self) -> f64 {
        self.baseline_kb as f64 / 1024.0
    }
}
