//! A BSON writer for the MongoDB emulator: documents keep their field
//! order, as mongod writes them.

/// A BSON value, of the types mongod's replies use.
#[derive(Debug, Clone)]
pub(crate) enum B {
    Double(f64),
    Str(String),
    Doc(Vec<(&'static str, B)>),
    Arr(Vec<B>),
    Bool(bool),
    Int32(i32),
    Int64(i64),
    /// UTC milliseconds.
    Date(i64),
    ObjectId([u8; 12]),
}

impl B {
    pub fn s(text: impl Into<String>) -> B {
        B::Str(text.into())
    }

    /// The document's bytes (length prefix, elements, NUL).
    pub fn to_bytes(&self) -> Vec<u8> {
        let fields: Vec<(String, &B)> = match self {
            B::Doc(f) => f.iter().map(|(k, v)| (k.to_string(), v)).collect(),
            B::Arr(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => Vec::new(),
        };
        let mut body = Vec::new();
        for (key, value) in fields {
            body.push(value.kind());
            body.extend_from_slice(key.as_bytes());
            body.push(0);
            value.write(&mut body);
        }
        body.push(0);
        let mut out = ((body.len() + 4) as i32).to_le_bytes().to_vec();
        out.extend_from_slice(&body);
        out
    }

    fn kind(&self) -> u8 {
        match self {
            B::Double(_) => 0x01,
            B::Str(_) => 0x02,
            B::Doc(_) => 0x03,
            B::Arr(_) => 0x04,
            B::ObjectId(_) => 0x07,
            B::Bool(_) => 0x08,
            B::Date(_) => 0x09,
            B::Int32(_) => 0x10,
            B::Int64(_) => 0x12,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            B::Double(f) => out.extend_from_slice(&f.to_le_bytes()),
            B::Str(s) => {
                out.extend_from_slice(&((s.len() + 1) as i32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
            B::Doc(_) | B::Arr(_) => out.extend_from_slice(&self.to_bytes()),
            B::ObjectId(id) => out.extend_from_slice(id),
            B::Bool(b) => out.push(u8::from(*b)),
            B::Date(ms) | B::Int64(ms) => out.extend_from_slice(&ms.to_le_bytes()),
            B::Int32(n) => out.extend_from_slice(&n.to_le_bytes()),
        }
    }
}
