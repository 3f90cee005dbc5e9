//! curl options `sockit fetch` does not take: one line that says so (instead of clap's tips,
//! which pointed `--create-dirs` at `--max-redirs`), exit 2, and the README's list of them in
//! step with the table in `src/fetch/flags/curl_options.rs` and with `fetch --help`.

use crate::support::fetch_run::fetch;
use crate::support::sockit;
use sockit::fetch::curl_options::{Scope, CURL_OPTIONS};

/// The long flags `sockit fetch --help` lists, without their dashes: each flag's own name,
/// and the curl names it also answers to (`[alias: --data-ascii]` under `-d`).
fn fetch_flags() -> Vec<String> {
    let out = sockit().args(["fetch", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let names = help
        .lines()
        .filter_map(|l| l.trim_start().split_once("--"))
        .filter(|(short, _)| short.is_empty() || short.ends_with(", "))
        .map(|(_, rest)| rest.split([' ', '=']).next().unwrap().to_owned());
    let aliases = help.lines().flat_map(|l| {
        let l = l.trim();
        let list = l
            .strip_prefix("[alias: ")
            .or_else(|| l.strip_prefix("[aliases: "))
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or("");
        list.split(", ")
            .filter_map(|a| a.strip_prefix("--"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    names.chain(aliases).collect()
}

/// An HTTP option of curl's that fetch lacks is refused with the one line, whether typed
/// long, with a value, or after a cluster of short ones (the bug: clap's "a similar
/// argument exists: '--max-redirs'" and "to pass '-c' as a value, use '-- -c'"); since
/// `-#`, every short HTTP option of curl's is taken. The option is the table's first that
/// `fetch --help` still lacks, so the test outlives each one's arrival; once none is left,
/// the README must list none.
#[test]
fn an_http_option_it_lacks_is_one_line_and_exit_2() {
    let flags = fetch_flags();
    let lacking = CURL_OPTIONS
        .iter()
        .find(|o| o.scope == Scope::Http && !flags.iter().any(|f| f == o.long));
    let Some(option) = lacking else {
        let block = readme_block(&flags);
        let not_yet = block
            .split_once("Out of scope:")
            .map_or("", |(head, _)| head);
        assert!(!not_yet.contains('`'), "none is lacking, yet:\n{not_yet}");
        return;
    };
    assert_eq!(option.short, None, "-{:?} is lacking", option.short);
    let long = format!("--{}", option.long);
    let line = format!("sockit: fetch does not support curl's {long} yet\n");
    let (long, with_value) = (long.as_str(), format!("{long}=value.txt"));
    for args in [
        &[long, "-o", "a/b", "http://127.0.0.1:9/"][..],
        &["-sS", long, "http://127.0.0.1:9/"],
        &[&with_value, "http://127.0.0.1:9/"],
    ] {
        let run = fetch(args).expect(2);
        assert_eq!(run.stderr, line, "{args:?}");
        assert!(run.stdout.is_empty());
    }
}

/// An out-of-scope option says why, in its category's words.
#[test]
fn an_out_of_scope_option_says_why_and_exits_2() {
    for (flag, line) in [
        (
            "--ftp-pasv",
            "sockit: fetch does not support curl's --ftp-pasv: sockit fetch speaks HTTP and \
             HTTPS only\n",
        ),
        (
            "--ntlm",
            "sockit: fetch does not support curl's --ntlm: sockit fetch has no Kerberos, \
             GSS-API or NTLM authentication\n",
        ),
        (
            "--ssl-no-revoke",
            "sockit: fetch does not support curl's --ssl-no-revoke: it configures Windows' \
             TLS, and sockit's TLS is rustls\n",
        ),
        (
            "-3",
            "sockit: fetch does not support curl's -3 (--sslv3): SSLv2 and SSLv3 are broken, \
             and rustls never speaks them\n",
        ),
    ] {
        let run = fetch(&[flag, "http://127.0.0.1:9/"]).expect(2);
        assert_eq!(run.stderr, line);
    }
}

/// A curl option fetch has is taken, though the table lists it too: the table is read only
/// for arguments clap rejected, so adding a flag to fetch is all it takes.
#[test]
fn a_curl_option_fetch_has_is_not_refused() {
    assert!(sockit::fetch::curl_options::find("--compressed").is_some());
    let url = format!("http://{}/", crate::support::refusing());
    let run = fetch(&["--compressed", "-s", "-S", &url]).expect(7);
    assert!(!run.stderr.contains("does not support"), "{}", run.stderr);
}

/// A flag that is neither fetch's nor curl's keeps clap's message and its tips.
#[test]
fn a_flag_curl_lacks_too_keeps_clap_s_message() {
    let run = fetch(&["--no-such-flag", "http://127.0.0.1:9/"]).expect(2);
    assert!(
        run.stderr
            .starts_with("sockit: unexpected argument '--no-such-flag'"),
        "{}",
        run.stderr
    );
}

/// No out-of-scope option is one fetch takes: a flag added to fetch must come off that list
/// (its refusal would never be reached, and the README would say it is refused).
#[test]
fn no_out_of_scope_option_is_a_fetch_flag() {
    let flags = fetch_flags();
    assert!(flags.iter().any(|f| f == "output"), "{flags:?}");
    for option in CURL_OPTIONS.iter().filter(|o| o.scope != Scope::Http) {
        assert!(
            !flags.iter().any(|f| f == option.long),
            "--{} is a fetch flag and out of scope in src/fetch/flags/curl_options.rs",
            option.long
        );
    }
}

/// The README lists the curl options fetch lacks, exactly: the HTTP ones `fetch --help`
/// does not have yet, and the out-of-scope ones with why.
#[test]
fn readme_lists_the_curl_options_fetch_lacks() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let begin = "<!-- curl options: begin -->\n";
    let end = "<!-- curl options: end -->";
    let listed = readme
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(block, _)| block)
        .expect("README lacks the curl options block");
    let expected = readme_block(&fetch_flags());
    assert!(
        listed == expected,
        "README's list of curl options is out of date; between the markers put:\n{expected}"
    );
}

/// The README's block: the missing HTTP options, then each out-of-scope kind with its reason.
fn readme_block(flags: &[String]) -> String {
    let names = |scope: Scope| -> Vec<String> {
        CURL_OPTIONS
            .iter()
            .filter(|o| o.scope == scope && !flags.iter().any(|f| f == o.long))
            .map(|o| match o.short {
                Some(short) => format!("`-{short}/--{}`", o.long),
                None => format!("`--{}`", o.long),
            })
            .collect()
    };
    let mut block = String::from("Not yet (HTTP and HTTPS options of curl 7.88):\n");
    block += &match names(Scope::Http).join(", ") {
        lacking if lacking.is_empty() => "none.\n".to_owned(),
        lacking => wrap(&lacking, ""),
    };
    block += "\nOut of scope:\n\n";
    for scope in Scope::OUT {
        let head = format!(
            "**{}** ({}): {}.",
            scope.label(),
            scope.reason().unwrap(),
            names(scope).join(", ")
        );
        block += &wrap(&head, "- ");
    }
    block
}

/// `text` as Markdown lines of at most 92 characters, the first after `bullet`, the rest
/// indented under it.
fn wrap(text: &str, bullet: &str) -> String {
    let indent = " ".repeat(bullet.len());
    let mut out = String::new();
    let mut line = bullet.to_owned();
    for word in text.split(' ') {
        if line.trim().len() > bullet.trim().len() && line.len() + 1 + word.len() > 92 {
            out += line.trim_end();
            out.push('\n');
            line = indent.clone();
        }
        if !line.trim().is_empty() && line.trim() != bullet.trim() {
            line.push(' ');
        }
        line += word;
    }
    out += line.trim_end();
    out.push('\n');
    out
}
