//! Owns the recording server's answers for the command lines scripts really use
//! (`curl_diff::scripts`): an install script to pipe to a shell, a release download behind two
//! redirects (the second to another origin, as a forge sends its downloads to a CDN), a JSON
//! API that answers by method, health checks, a login that sets a session cookie, an upload
//! endpoint, the Docker engine's API (served on the Unix socket too), and a body that stalls
//! for `-m`.
//!
//! They sit apart from the general answers in the parent module so that the paths a script
//! table needs read as one list.

use super::{gzip, redirect, response, After, Reply, Request};
use std::net::SocketAddr;

/// The install script `/install.sh` serves.
pub const INSTALL_SH: &[u8] = b"#!/bin/sh\nset -eu\necho \"installing tool 1.2.3\"\n";

/// The release file at the end of `/releases/latest/download/tool.tar.gz`'s redirects.
pub fn release_bytes() -> Vec<u8> {
    gzip(b"tool 1.2.3 binary\n")
}

/// The answer for a script path, or None for the parent's general answers.
pub(super) fn canned(request: &Request, addr: SocketAddr) -> Option<Reply> {
    let path = request.path.as_str();
    let method = request.method.as_str();
    let json = [("Content-Type", "application/json")];
    let bytes = match path {
        "/install.sh" => response(
            "200 OK",
            &[("Content-Type", "text/x-shellscript")],
            INSTALL_SH,
        ),
        "/releases/latest" => redirect("302 Found", "/releases/tag/v1.2.3"),
        "/releases/tag/v1.2.3" => response("200 OK", &[("Content-Type", "text/html")], b"v1.2.3\n"),
        "/releases/latest/download/tool.tar.gz" => {
            redirect("302 Found", "/releases/download/v1.2.3/tool.tar.gz")
        }
        "/releases/download/v1.2.3/tool.tar.gz" => redirect(
            "302 Found",
            &format!("http://localhost:{}/cdn/tool.tar.gz", addr.port()),
        ),
        "/cdn/tool.tar.gz" => response(
            "200 OK",
            &[
                ("Content-Type", "application/octet-stream"),
                ("Last-Modified", super::LAST_MODIFIED),
            ],
            &release_bytes(),
        ),
        "/health" => response("200 OK", &[("Content-Type", "text/plain")], b"OK"),
        "/api/v1/items" => match method {
            "GET" | "HEAD" => response("200 OK", &json, b"[{\"id\":1,\"name\":\"one\"}]\n"),
            "POST" => response(
                "201 Created",
                &[
                    ("Content-Type", "application/json"),
                    ("Location", "/api/v1/items/2"),
                ],
                b"{\"id\":2}\n",
            ),
            _ => response("405 Method Not Allowed", &[("Allow", "GET, POST")], b""),
        },
        "/api/v1/items/1" => match method {
            "DELETE" => b"HTTP/1.1 204 No Content\r\n\r\n".to_vec(),
            "PUT" | "PATCH" => response("200 OK", &json, b"{\"id\":1,\"updated\":true}\n"),
            _ => response("200 OK", &json, b"{\"id\":1,\"name\":\"one\"}\n"),
        },
        "/api/v1/secret" if request.auth_scheme.is_none() => response(
            "401 Unauthorized",
            &[("WWW-Authenticate", "Basic realm=\"api\"")],
            b"{\"error\":\"unauthorized\"}\n",
        ),
        "/api/v1/secret" => response("200 OK", &json, b"{\"secret\":42}\n"),
        "/login" => response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("Set-Cookie", "session=s3cr3t; Path=/; HttpOnly"),
                ("Set-Cookie", "csrf=t0ken; Path=/"),
            ],
            b"{\"ok\":true}\n",
        ),
        "/logout" => response(
            "200 OK",
            &[(
                "Set-Cookie",
                "session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            )],
            b"bye\n",
        ),
        "/upload" => response("201 Created", &json, b"{\"stored\":true}\n"),
        "/_ping" => response("200 OK", &[("Content-Type", "text/plain")], b"OK"),
        "/version" | "/v1.43/version" => response(
            "200 OK",
            &json,
            b"{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\"}\n",
        ),
        "/v1.43/containers/json" => response("200 OK", &json, b"[]\n"),
        "/v1.43/images/create" => response("200 OK", &json, b"{\"status\":\"pulled\"}\n"),
        "/stall" => {
            return Some(Reply {
                bytes: b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nst".to_vec(),
                after: After::Hold,
            })
        }
        _ => return None,
    };
    Some(Reply::keep(bytes))
}
