//! Replays every fuzz corpus file (`fuzz/corpus/TARGET/*`) through its target's entry point
//! in `sockit::fuzzing`, on the stable toolchain, so what the fuzzers found (crashes
//! included, kept there after their fix) stays checked by `cargo test` without cargo-fuzz.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

/// Every input of every target passes its properties, and no target's corpus is missing.
#[test]
fn fuzz_corpora_replay_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failures = Vec::new();
    for (target, entry) in sockit::fuzzing::TARGETS {
        let dir = root.join(target);
        let files = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut replayed = 0;
        for file in files {
            let path = file.unwrap().path();
            let data = fs::read(&path).unwrap();
            if panic::catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                failures.push(path.display().to_string());
            }
            replayed += 1;
        }
        assert!(replayed > 0, "{} holds no inputs", dir.display());
    }
    assert!(failures.is_empty(), "failing corpus inputs: {failures:#?}");
}
