//! A DNS server on a loopback UDP port for fetch's `--dns-servers`: it answers A and AAAA
//! questions for the names it is given and NXDOMAIN for the rest, and notes where each
//! query came from (for `--dns-ipv4-addr`).
//!
//! Hand-made answers (RFC 1035 section 4) rather than a DNS crate, so that the test peer
//! shares no code with the resolver under test; its thread ends with the server.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};

/// A running DNS server; stops when dropped.
pub struct Dns {
    addr: SocketAddr,
    from: Arc<Mutex<Vec<SocketAddr>>>,
    socket: UdpSocket,
}

impl Dns {
    /// Answers for `names` (lower case, no trailing dot) on 127.0.0.1, port 0.
    pub fn start(names: &[(&str, IpAddr)]) -> Dns {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        let names: HashMap<String, Vec<IpAddr>> =
            names.iter().fold(HashMap::new(), |mut map, (name, ip)| {
                map.entry(name.to_string()).or_default().push(*ip);
                map
            });
        let from = Arc::new(Mutex::new(Vec::new()));
        let (serving, seen) = (socket.try_clone().unwrap(), from.clone());
        std::thread::spawn(move || serve(&serving, &names, &seen));
        Dns { addr, from, socket }
    }

    /// `ADDR:PORT`, for `--dns-servers`.
    pub fn server(&self) -> String {
        self.addr.to_string()
    }

    /// Where the queries so far came from.
    pub fn queried_from(&self) -> Vec<SocketAddr> {
        self.from.lock().unwrap().clone()
    }
}

impl Drop for Dns {
    /// Ends the serving thread: an empty datagram to itself says stop.
    fn drop(&mut self) {
        let _ = self.socket.send_to(&[], self.addr);
    }
}

/// The reply to `query` (a DNS message) of a server knowing `names`: what this server sends
/// over UDP, for a test's own DNS-over-HTTPS server to send over HTTPS.
pub fn reply_to(query: &[u8], names: &[(&str, IpAddr)]) -> Option<Vec<u8>> {
    let names: HashMap<String, Vec<IpAddr>> =
        names.iter().fold(HashMap::new(), |mut map, (name, ip)| {
            map.entry(name.to_string()).or_default().push(*ip);
            map
        });
    answer(query, &names)
}

/// Answers queries until an empty datagram arrives.
fn serve(socket: &UdpSocket, names: &HashMap<String, Vec<IpAddr>>, from: &Mutex<Vec<SocketAddr>>) {
    let mut buf = [0u8; 512];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(_) => return,
        };
        if n == 0 {
            return;
        }
        from.lock().unwrap().push(peer);
        if let Some(answer) = answer(&buf[..n], names) {
            let _ = socket.send_to(&answer, peer);
        }
    }
}

/// The reply to one query: its id and question back, with the matching addresses.
fn answer(query: &[u8], names: &HashMap<String, Vec<IpAddr>>) -> Option<Vec<u8>> {
    let (name, end) = question_name(query)?;
    let qtype = u16::from_be_bytes([*query.get(end)?, *query.get(end + 1)?]);
    let question = query.get(12..end + 4)?;
    let found = names.get(&name);
    let ips: Vec<&IpAddr> = found
        .into_iter()
        .flatten()
        .filter(|ip| matches!((ip, qtype), (IpAddr::V4(_), 1) | (IpAddr::V6(_), 28)))
        .collect();
    let rcode = if found.is_some() { 0 } else { 3 };
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&query[..2]);
    out.extend_from_slice(&[0x81, 0x80 | rcode]);
    out.extend_from_slice(&[0, 1]);
    out.extend_from_slice(&(ips.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(question);
    for ip in ips {
        let (rtype, data) = match ip {
            IpAddr::V4(v4) => (1u16, v4.octets().to_vec()),
            IpAddr::V6(v6) => (28u16, v6.octets().to_vec()),
        };
        out.extend_from_slice(&[0xc0, 12]);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(&data);
    }
    Some(out)
}

/// The question's name in lower case and where its type starts.
fn question_name(query: &[u8]) -> Option<(String, usize)> {
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(at)? as usize;
        at += 1;
        if len == 0 {
            return Some((labels.join(".").to_ascii_lowercase(), at));
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).into_owned());
        at += len;
    }
}
