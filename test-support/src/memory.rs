//! The process's resident memory, for benches and long tests that report
//! or bound it.

/// This process's resident memory in KiB, from `/proc/self/status`
/// (Linux); 0 elsewhere.
pub fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn a_running_process_has_resident_memory() {
        let before = super::resident_kib();
        assert!(before > 0);
        // Touch 64 MiB; the count grows with it.
        let touched = vec![1_u8; 64 << 20];
        let after = super::resident_kib();
        assert!(
            after >= before + (32 << 10),
            "{before} KiB, then {after} KiB"
        );
        drop(std::hint::black_box(touched));
    }
}
