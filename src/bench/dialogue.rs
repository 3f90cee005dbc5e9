//! What the server under load is expected to say: its greeting, the names sent to it and the
//! reply each name must get, from `--greeting`, `--name` and `--reply`.
//!
//! The defaults are the hello protocol (`Welcome!`, `c{conn}n{seq}`, `Hello, {name}!`), but a
//! server that greets differently (`sockit serve --greeting 'Hi there'`), or not at all, or
//! answers in another words of the same shape, is loaded by saying so. Templates are expanded
//! once per connection into a [`super::script::Script`], never per message.

use super::args::{BenchArgs, Framing};
use anyhow::bail;

/// Stands for the connection's number in `--name`.
const CONN: &str = "{conn}";
/// Stands for the message's place in its connection's cycle in `--name`.
const SEQ: &str = "{seq}";
/// Stands for the name sent in `--reply`.
const NAME: &str = "{name}";

/// The greeting, name and reply templates of a run, checked against the framing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialogue {
    framing: Framing,
    greeting: Option<String>,
    name: String,
    reply: String,
}

impl Dialogue {
    /// The dialogue `args` describe, or why it cannot be spoken in their framing.
    pub fn from_args(args: &BenchArgs) -> anyhow::Result<Self> {
        let greeting = match args.greeting.as_str() {
            "none" => None,
            text => Some(text.to_owned()),
        };
        Dialogue::new(args.framing, greeting, &args.name, &args.reply)
    }

    /// A dialogue from its parts; `greeting` `None` for a server that greets nothing.
    pub fn new(
        framing: Framing,
        greeting: Option<String>,
        name: &str,
        reply: &str,
    ) -> anyhow::Result<Self> {
        if name.is_empty() {
            bail!("--name cannot be empty: the server would see no message");
        }
        if name == "exit" {
            bail!("--name exit would end every conversation instead of asking for a reply");
        }
        if greeting.as_deref() == Some("") {
            bail!(
                "--greeting cannot be empty: give --greeting none for a server that greets nothing"
            );
        }
        if framing == Framing::Line {
            let texts = [
                ("--greeting", greeting.as_deref().unwrap_or("")),
                ("--name", name),
                ("--reply", reply),
            ];
            if let Some((flag, _)) = texts.iter().find(|(_, t)| t.contains('\n')) {
                bail!("{flag} cannot contain a newline: with --framing line the newline ends the message");
            }
        }
        Ok(Dialogue {
            framing,
            greeting,
            name: name.to_owned(),
            reply: reply.to_owned(),
        })
    }

    /// The framing the texts are sent in.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The greeting as it arrives on the wire (line framing adds the newline); empty when the
    /// server greets nothing.
    pub fn greeting(&self) -> Vec<u8> {
        self.greeting
            .as_deref()
            .map(|g| self.framed(g))
            .unwrap_or_default()
    }

    /// Name `seq` of connection `conn`, unframed.
    pub fn name(&self, conn: u32, seq: usize) -> String {
        self.name
            .replace(CONN, &conn.to_string())
            .replace(SEQ, &seq.to_string())
    }

    /// The reply `name` must get, unframed.
    pub fn reply(&self, name: &str) -> String {
        self.reply.replace(NAME, name)
    }

    /// `text` as it goes on the wire in this framing.
    pub fn framed(&self, text: &str) -> Vec<u8> {
        let mut bytes = text.as_bytes().to_vec();
        if self.framing == Framing::Line {
            bytes.push(b'\n');
        }
        bytes
    }
}

impl Default for Dialogue {
    /// The hello protocol in line framing.
    fn default() -> Self {
        Dialogue::new(
            Framing::Line,
            Some("Welcome!".into()),
            "c{conn}n{seq}",
            "Hello, {name}!",
        )
        .expect("the defaults are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults are the hello protocol, placeholders filled in.
    #[test]
    fn defaults_are_the_hello_protocol() {
        let d = Dialogue::default();
        assert_eq!(d.greeting(), b"Welcome!\n");
        assert_eq!(d.name(17, 2), "c17n2");
        assert_eq!(d.reply("c17n2"), "Hello, c17n2!");
    }

    /// A server that greets nothing, and chunk framing that adds no newline.
    #[test]
    fn no_greeting_and_chunk_framing() {
        let d = Dialogue::new(Framing::Chunk, None, "Bob", "Hi {name}, hi").unwrap();
        assert!(d.greeting().is_empty());
        assert_eq!(d.framed(&d.reply(&d.name(3, 1))), b"Hi Bob, hi");
    }

    /// Texts that cannot be framed, or would end the conversation, are refused with the flag
    /// that is wrong.
    #[test]
    fn refuses_what_cannot_be_spoken() {
        let err = |g: Option<&str>, n: &str, r: &str| {
            Dialogue::new(Framing::Line, g.map(String::from), n, r)
                .unwrap_err()
                .to_string()
        };
        assert!(err(None, "", "x").contains("--name"));
        assert!(err(None, "exit", "x").contains("--name exit"));
        assert!(err(Some(""), "a", "x").contains("--greeting none"));
        assert!(err(Some("a\nb"), "a", "x").starts_with("--greeting"));
        assert!(err(None, "a", "x\ny").starts_with("--reply"));
        assert!(Dialogue::new(Framing::Chunk, None, "a\nb", "x").is_ok());
    }
}
