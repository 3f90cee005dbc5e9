//! What `--help`, `-h` and the man page tell a newcomer, read off the real binary: the short
//! form is short, the long form is grouped, and every address flag names every address kind.

use crate::support::sockit;

/// The text the real binary prints for `args`, which must succeed.
fn stdout_of(args: &[&str]) -> String {
    let out = sockit().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// fetch's headings, in the order a curl user looks for a flag.
const FETCH_HEADINGS: [&str; 8] = [
    "Output:",
    "Request:",
    "Connection:",
    "TLS:",
    "Proxy:",
    "Retry:",
    "Many URLs:",
    "Beyond curl:",
];

/// `fetch -h` is the short form (the bug: as long as `--help`, 139 lines): at most one line
/// per flag, less than half of `--help`, and pointing to `--help` for the rest.
#[test]
fn fetch_short_help_is_one_line_per_flag() {
    let short = stdout_of(&["fetch", "-h"]);
    let long = stdout_of(&["fetch", "--help"]);
    assert!(
        short.lines().count() * 2 < long.lines().count(),
        "-h has {} lines, --help {}",
        short.lines().count(),
        long.lines().count()
    );
    assert!(short.contains("see more with '--help'"), "{short}");
    let flags = short.lines().filter(|l| l.trim_start().starts_with('-'));
    let text = short
        .lines()
        .filter(|l| l.starts_with("     ") && !l.trim_start().starts_with('-'));
    assert!(flags.count() > 40, "{short}");
    assert!(text.count() <= 3, "wrapped lines in -h:\n{short}");
}

/// fetch's `-h` and `--help` group the flags under the same headings, in the same order.
#[test]
fn fetch_help_is_grouped_under_headings() {
    for form in ["-h", "--help"] {
        let help = stdout_of(&["fetch", form]);
        let at: Vec<usize> = FETCH_HEADINGS
            .iter()
            .map(|h| {
                help.lines()
                    .position(|l| l == *h)
                    .unwrap_or_else(|| panic!("{form} lacks {h}:\n{help}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{form}: {at:?}");
    }
}

/// `serve --help` and `client --help` name `tls:` among the address forms, as bench's does
/// (the bug: only bench's did).
#[test]
fn address_flags_name_tls() {
    for (sub, flag) in [
        ("serve", "--bind <ADDR>"),
        ("client", "--addr <ADDR>"),
        ("bench", "--addr <ADDR>"),
    ] {
        let help = stdout_of(&[sub, "--help"]);
        let block: String = help
            .lines()
            .skip_while(|l| !l.contains(flag))
            .take(4)
            .collect();
        assert!(block.contains("tls:HOST:PORT"), "{sub}: {block}");
    }
}
