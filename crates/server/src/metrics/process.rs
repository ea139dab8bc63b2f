//! The process's own figures, read from Linux's `/proc/self` at scrape time under the names
//! Prometheus's client libraries use (`process_cpu_seconds_total`, …). Elsewhere there is no
//! `/proc`, and they are left out rather than reported as zero.

use std::time::Duration;

use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

/// The unit of `/proc`'s times: `USER_HZ`, which the kernel fixes at 100 for userspace on
/// x86 and ARM whatever its internal tick (reading `sysconf` would need `unsafe`).
const TICKS_PER_SECOND: u64 = 100;

/// What one read of `/proc` found.
#[derive(Debug, Default, PartialEq, Eq)]
struct Process {
    /// User and system CPU time, in ticks.
    cpu_ticks: Option<u64>,
    /// When the process started: ticks after boot.
    started_ticks: Option<u64>,
    /// When the machine booted, in seconds since the Unix epoch.
    boot_seconds: Option<u64>,
    resident_bytes: Option<u64>,
    open_fds: Option<usize>,
}

/// The fields of `/proc/self/stat` after the command name (which may hold spaces and
/// parentheses, so the split is at the last `)`): `state` is the first of them.
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default()
}

fn read() -> Process {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields = stat_fields(&stat);
    // proc(5) numbers the fields from 1 with the pid; `state`, field 3, is our index 0.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    let cpu_ticks = field(14).zip(field(15)).map(|(user, system)| user + system);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let resident_bytes = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024);
    let boot_seconds = std::fs::read_to_string("/proc/stat").ok().and_then(|text| {
        text.lines().find_map(|line| line.strip_prefix("btime ")?.trim().parse::<u64>().ok())
    });
    let open_fds = std::fs::read_dir("/proc/self/fd").ok().map(|dir| dir.count());
    Process { cpu_ticks, started_ticks: field(22), boot_seconds, resident_bytes, open_fds }
}

fn seconds(ticks: u64) -> f64 {
    Duration::from_millis(ticks.saturating_mul(1000 / TICKS_PER_SECOND)).as_secs_f64()
}

/// What `/proc` tells of this process now, named `process_…` as every client library names
/// them.
pub(super) fn registry() -> Registry {
    let found = read();
    let mut registry = Registry::with_prefix("process");
    if let Some(ticks) = found.cpu_ticks {
        registry.register_with_unit(
            "cpu",
            "User and system CPU time spent",
            Unit::Seconds,
            ConstCounter::new(seconds(ticks)),
        );
    }
    if let Some(bytes) = found.resident_bytes {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        registry.register_with_unit(
            "resident_memory",
            "Resident memory size",
            Unit::Bytes,
            ConstGauge::new(bytes),
        );
    }
    if let Some(fds) = found.open_fds {
        // Less the descriptor `read_dir` itself held open while counting.
        let fds = i64::try_from(fds.saturating_sub(1)).unwrap_or(i64::MAX);
        registry.register("open_fds", "Open file descriptors", ConstGauge::new(fds));
    }
    if let (Some(boot), Some(ticks)) = (found.boot_seconds, found.started_ticks) {
        let started = Duration::from_secs(boot)
            + Duration::from_millis(ticks.saturating_mul(1000 / TICKS_PER_SECOND));
        registry.register_with_unit(
            "start_time",
            "Start time of the process since the Unix epoch",
            Unit::Seconds,
            ConstGauge::new(started.as_secs_f64()),
        );
    }
    registry
}

#[cfg(test)]
mod tests {
    /// The command name may hold `)` and spaces: fields are counted after the last `)`.
    #[test]
    fn stat_fields_start_after_the_command_name() {
        let fields = super::stat_fields("42 (a) b (c) R 1 2");
        assert_eq!(fields, ["R", "1", "2"]);
    }

    /// On Linux every figure is found, and this process has used some CPU and memory.
    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_read_from_proc() {
        let found = super::read();
        assert!(found.resident_bytes.is_some_and(|b| b > 0), "{found:?}");
        assert!(found.open_fds.is_some_and(|n| n >= 3), "{found:?}");
        assert!(found.cpu_ticks.is_some() && found.started_ticks.is_some(), "{found:?}");
        assert!(found.boot_seconds.is_some_and(|s| s > 1_000_000_000), "{found:?}");
    }
}
