//! A standalone mongod (port 27017) speaking OP_MSG, with or without
//! `--auth` (security.authorization: enabled).
//!
//! Facts copied (mongodb/mongo, src/mongo/):
//! - rpc/op_msg.h, rpc/message.h: header {messageLength, requestID,
//!   responseTo, opCode} little-endian, OP_MSG = 2013, then flagBits and a
//!   kind-0 section holding the body document; a reply's responseTo is the
//!   request's requestID.
//! - db/repl/hello/hello_response.cpp (standalone): `ismaster: true`,
//!   `topologyVersion`, `maxBsonObjectSize`, `maxMessageSizeBytes`,
//!   `maxWriteBatchSize`, `localTime`, `logicalSessionTimeoutMinutes`,
//!   `connectionId`, `minWireVersion`, `maxWireVersion` (21 for 7.0),
//!   `readOnly`, `ok: 1.0`; `hello` answers `isWritablePrimary` instead of
//!   `ismaster`.
//! - db/commands/buildinfo_common.cpp: `version`, `gitVersion`, `modules`,
//!   `allocator`, `javascriptEngine`, `sysInfo`, `versionArray`,
//!   `openssl`, `buildEnvironment`, `bits`, `debug`, `maxBsonObjectSize`,
//!   `storageEngines`, `ok`. hello, isMaster, buildInfo and ping need no
//!   authentication (`requiresAuth() false`).
//! - db/commands/list_databases.cpp: `{databases: [{name, sizeOnDisk,
//!   empty}], totalSize, totalSizeMb, ok: 1.0}`; without a login under
//!   --auth: `{ok: 0.0, errmsg: "Command listDatabases requires
//!   authentication", code: 13, codeName: "Unauthorized"}`.
//! - Unknown commands: code 59 CommandNotFound, `no such command: '<x>'`.
//!
//! Requests are read with a bounded parser: a length past 1 MiB, another
//! opcode or a malformed body ends the connection, as mongod does.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::bson::B;

const OP_MSG: i32 = 2013;
const MAX_REQUEST: usize = 1 << 20;

/// What the emulated mongod holds and whether it demands a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MongoDb {
    pub version: String,
    pub auth: bool,
    /// User databases (admin, config and local are always there).
    pub databases: Vec<String>,
}

pub(crate) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, db: &MongoDb) {
    let mut connection_id = 1;
    loop {
        let Some((request_id, command)) = read_request(&mut stream).await else {
            return;
        };
        let reply = db.answer(&command, connection_id);
        connection_id += 1;
        if stream
            .write_all(&frame(request_id, &reply.to_bytes()))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// The next request's id and command name; None ends the connection.
async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> Option<(i32, String)> {
    let mut head = [0u8; 16];
    s.read_exact(&mut head).await.ok()?;
    let len = usize::try_from(i32::from_le_bytes(head[..4].try_into().ok()?)).ok()?;
    if !(21..=MAX_REQUEST).contains(&len) {
        return None;
    }
    let request_id = i32::from_le_bytes(head[4..8].try_into().ok()?);
    if i32::from_le_bytes(head[12..16].try_into().ok()?) != OP_MSG {
        return None;
    }
    let mut body = vec![0u8; len - 16];
    s.read_exact(&mut body).await.ok()?;
    // flagBits, section kind 0, then the document: length, first element.
    if body.get(4) != Some(&0) {
        return None;
    }
    let doc = body.get(5..)?;
    let doc_len = usize::try_from(i32::from_le_bytes(doc.get(..4)?.try_into().ok()?)).ok()?;
    if doc_len < 6 || doc_len > doc.len() {
        return None;
    }
    let key = doc.get(5..doc_len)?;
    let end = key.iter().position(|b| *b == 0)?;
    let name = std::str::from_utf8(&key[..end]).ok()?.to_string();
    Some((request_id, name))
}

/// An OP_MSG reply to `response_to` carrying `doc` as its body section.
pub(crate) fn frame(response_to: i32, doc: &[u8]) -> Vec<u8> {
    let len = 21 + doc.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&(len as i32).to_le_bytes());
    out.extend_from_slice(&(response_to + 1000).to_le_bytes());
    out.extend_from_slice(&response_to.to_le_bytes());
    out.extend_from_slice(&OP_MSG.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.push(0);
    out.extend_from_slice(doc);
    out
}

fn error(code: i32, name: &str, msg: String) -> B {
    B::Doc(vec![
        ("ok", B::Double(0.0)),
        ("errmsg", B::Str(msg)),
        ("code", B::Int32(code)),
        ("codeName", B::s(name)),
    ])
}

impl MongoDb {
    fn answer(&self, command: &str, connection_id: i32) -> B {
        match command {
            "hello" | "isMaster" | "ismaster" => {
                let primary = if command == "hello" {
                    "isWritablePrimary"
                } else {
                    "ismaster"
                };
                B::Doc(vec![
                    (primary, B::Bool(true)),
                    (
                        "topologyVersion",
                        B::Doc(vec![
                            (
                                "processId",
                                B::ObjectId(*b"\x66\xa1\x2b\x3c\x4d\x5e\x6f\x70\x81\x92\xa3\xb4"),
                            ),
                            ("counter", B::Int64(0)),
                        ]),
                    ),
                    ("maxBsonObjectSize", B::Int32(16_777_216)),
                    ("maxMessageSizeBytes", B::Int32(48_000_000)),
                    ("maxWriteBatchSize", B::Int32(100_000)),
                    ("localTime", B::Date(1_754_000_000_000)),
                    ("logicalSessionTimeoutMinutes", B::Int32(30)),
                    ("connectionId", B::Int32(connection_id)),
                    ("minWireVersion", B::Int32(0)),
                    ("maxWireVersion", B::Int32(21)),
                    ("readOnly", B::Bool(false)),
                    ("ok", B::Double(1.0)),
                ])
            }
            "buildInfo" | "buildinfo" => {
                let parts: Vec<B> = self
                    .version
                    .split('.')
                    .map(|p| B::Int32(p.parse().unwrap_or(0)))
                    .chain(std::iter::once(B::Int32(0)))
                    .collect();
                B::Doc(vec![
                    ("version", B::s(&self.version)),
                    (
                        "gitVersion",
                        B::s("ce59cfc6a3c5e5c067dca0d30697edd68d4f5188"),
                    ),
                    ("modules", B::Arr(vec![])),
                    ("allocator", B::s("tcmalloc")),
                    ("javascriptEngine", B::s("mozjs")),
                    ("sysInfo", B::s("deprecated")),
                    ("versionArray", B::Arr(parts)),
                    (
                        "openssl",
                        B::Doc(vec![
                            ("running", B::s("OpenSSL 3.0.13 30 Jan 2024")),
                            ("compiled", B::s("OpenSSL 3.0.13 30 Jan 2024")),
                        ]),
                    ),
                    (
                        "buildEnvironment",
                        B::Doc(vec![
                            ("distmod", B::s("ubuntu2204")),
                            ("distarch", B::s("x86_64")),
                            ("target_arch", B::s("x86_64")),
                            ("target_os", B::s("linux")),
                        ]),
                    ),
                    ("bits", B::Int32(64)),
                    ("debug", B::Bool(false)),
                    ("maxBsonObjectSize", B::Int32(16_777_216)),
                    (
                        "storageEngines",
                        B::Arr(vec![B::s("devnull"), B::s("wiredTiger")]),
                    ),
                    ("ok", B::Double(1.0)),
                ])
            }
            "ping" => B::Doc(vec![("ok", B::Double(1.0))]),
            "listDatabases" if self.auth => error(
                13,
                "Unauthorized",
                "Command listDatabases requires authentication".into(),
            ),
            "listDatabases" => {
                let names = ["admin", "config", "local"]
                    .into_iter()
                    .map(str::to_string)
                    .chain(self.databases.iter().cloned());
                let dbs = names
                    .map(|name| {
                        B::Doc(vec![
                            ("name", B::Str(name)),
                            ("sizeOnDisk", B::Int64(73_728)),
                            ("empty", B::Bool(false)),
                        ])
                    })
                    .collect();
                B::Doc(vec![
                    ("databases", B::Arr(dbs)),
                    (
                        "totalSize",
                        B::Int64(73_728 * (3 + self.databases.len() as i64)),
                    ),
                    ("totalSizeMb", B::Int64(0)),
                    ("ok", B::Double(1.0)),
                ])
            }
            other => error(59, "CommandNotFound", format!("no such command: '{other}'")),
        }
    }
}
