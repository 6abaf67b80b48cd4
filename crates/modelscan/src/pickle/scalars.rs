//! Opcodes that push one scalar: numbers, strings and byte strings of every
//! protocol. Strings keep their text (import names are built from them);
//! the rest become placeholders.
use super::machine::{need, Machine, Step};
use super::value::{escape_decode, raw_unicode_decode, Value};

impl Machine<'_, '_> {
    /// Read the operand of scalar opcode `op`; return the value it pushes.
    pub(super) fn scalar(&mut self, op: u8) -> Step<Value> {
        let at = self.op_start;
        Ok(match op {
            b'N' => Value::None,
            0x88 => Value::Bool(true),
            0x89 => Value::Bool(false),
            b'I' => match self.text_line()?.trim() {
                "01" => Value::Bool(true),
                "00" => Value::Bool(false),
                t => t.parse().map(Value::Int).unwrap_or(Value::Other),
            },
            b'L' => {
                let line = self.text_line()?;
                let t = line.trim().trim_end_matches('L');
                t.parse().map(Value::Int).unwrap_or(Value::Other)
            }
            b'F' => {
                self.text_line()?;
                Value::Other
            }
            b'J' => Value::Int(need(at, self.cur.i32_le())?.into()),
            b'K' => Value::Int(need(at, self.cur.u8())?.into()),
            b'M' => Value::Int(need(at, self.cur.u16_le())?.into()),
            0x8a | 0x8b => {
                let len = if op == 0x8a {
                    need(at, self.cur.u8())?.into()
                } else {
                    let n = need(at, self.cur.i32_le())?;
                    u64::try_from(n).map_err(|_| self.fault("negative LONG4 length"))?
                };
                little_int(self.sized(len)?)
            }
            b'G' => {
                self.sized(8)?;
                Value::Other
            }
            b'S' => {
                let raw = need(at, self.cur.line())?;
                let body = strip_quotes(raw).ok_or_else(|| self.fault("STRING is not quoted"))?;
                Value::Str(escape_decode(body).into())
            }
            b'V' => Value::Str(raw_unicode_decode(need(at, self.cur.line())?).into()),
            b'T' | b'X' | b'B' => {
                let n = need(at, self.cur.i32_le())?;
                let len = u64::try_from(n).map_err(|_| self.fault("negative length"))?;
                text(op, self.sized(len)?)
            }
            b'U' | b'C' | 0x8c => {
                let len = need(at, self.cur.u8())?;
                text(op, self.sized(len.into())?)
            }
            0x8d | 0x8e | 0x96 => {
                let len = need(at, self.cur.u64_le())?;
                text(op, self.sized(len)?)
            }
            other => return Err(self.fault(format!("0x{other:02x} is not a scalar opcode"))),
        })
    }
}

/// Python 3 reads protocol-0..2 byte strings (T, U) as str too; bytes and
/// bytearrays (B, C, BINBYTES8, BYTEARRAY8) never name anything.
fn text(op: u8, bytes: &[u8]) -> Value {
    match op {
        b'X' | 0x8c | 0x8d | b'T' | b'U' => Value::Str(String::from_utf8_lossy(bytes).into()),
        _ => Value::Other,
    }
}

fn little_int(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Int(0);
    }
    if bytes.len() > 8 {
        return Value::Other;
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let mut buf = if negative { [0xff; 8] } else { [0; 8] };
    buf[..bytes.len()].copy_from_slice(bytes);
    Value::Int(i64::from_le_bytes(buf))
}

fn strip_quotes(raw: &[u8]) -> Option<&[u8]> {
    let (first, last) = (*raw.first()?, *raw.last()?);
    (raw.len() >= 2 && first == last && (first == b'\'' || first == b'"'))
        .then(|| &raw[1..raw.len() - 1])
}
