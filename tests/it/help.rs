//! What `--help`, `-h` and the man page tell a newcomer, read off the real binary: the short
//! form is short, the long form is grouped, every address flag names every address kind, and
//! the man page is one page that `man` and `lexgrog` read without a warning.

use crate::support::{on_path, require_all, sockit};
use std::path::Path;
use std::process::Command;

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

/// The page in `file`, rendered by `man -l` with `--warnings` at 100 columns: the text and
/// the warnings.
fn render_man(file: &Path) -> (String, String) {
    let out = Command::new("man")
        .arg("--warnings")
        .arg("-l")
        .arg(file)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success());
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `sockit man` is one page that reads like a Debian one (the bugs: it pointed to
/// `sockit-serve(1)` and other pages that do not exist, had a stray `OPTIONS -h, --help`
/// block between the subcommands, no EXIT STATUS or EXAMPLES, and literal Markdown
/// backticks): a section per subcommand with every flag, man and lexgrog without a warning.
#[test]
fn man_page_is_one_page_a_section_per_subcommand() {
    let roff = sockit().arg("man").output().unwrap();
    assert_eq!(roff.status.code(), Some(0));
    let source = String::from_utf8(roff.stdout.clone()).unwrap();
    assert!(source.contains("\n.TH SOCKIT 1 "), "{source}");
    if !require_all(&[(on_path("man"), "man"), (on_path("lexgrog"), "lexgrog")]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sockit.1");
    std::fs::write(&file, &roff.stdout).unwrap();
    let (page, warnings) = render_man(&file);
    assert_eq!(warnings, "", "man --warnings");
    let sections: Vec<&str> = page
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .skip(1)
        .collect();
    assert_eq!(
        sections,
        [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "SERVE",
            "CLIENT",
            "FETCH",
            "BENCH",
            "COMPLETIONS",
            "MAN",
            "EXIT STATUS",
            "EXAMPLES",
            "SEE ALSO",
        ]
    );
    for text in [
        "--idle-timeout",
        "--max-time",
        "--json",
        "   Output",
        "   Beyond curl",
    ] {
        assert!(page.contains(text), "the page lacks {text:?}:\n{page}");
    }
    assert!(!page.contains('`'), "backticks:\n{page}");
    assert!(
        !page.contains("sockit-"),
        "a page that does not exist:\n{page}"
    );
    assert!(
        page.contains("       63     larger than --max-filesize"),
        "fetch's exit codes:\n{page}"
    );
    let lexgrog = Command::new("lexgrog").arg(&file).output().unwrap();
    let whatis = String::from_utf8_lossy(&lexgrog.stdout);
    assert!(lexgrog.status.success(), "{whatis}");
    assert!(
        whatis.contains("\"sockit - the socket tutorial's"),
        "{whatis}"
    );
}
