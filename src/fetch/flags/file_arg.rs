//! Owns reading the file a flag names (`-d @FILE`, `--url-query @FILE`, `-b FILE`, `-F
//! name=<FILE`), or stdin for `-`, with the one error that names it.
//!
//! A file of its own because every kind of flag reads files this way: kept beside any one
//! of them, the others would import that flag's module, and `args.rs` (which gathers every
//! flag) would import itself back through them.

use crate::fetch::error::{describe, FetchError};
use std::io::Read;

/// FILE's bytes, or stdin's for `-`.
pub fn read_all(path: &str) -> Result<Vec<u8>, FetchError> {
    let failed = |e: std::io::Error| FetchError::Read {
        path: path.to_string(),
        reason: describe(&e),
    };
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(failed)?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(failed)
}
